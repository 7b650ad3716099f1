import { invalidParameter, invalidRequest, validation } from './errors.js';
import { type Input, MAX_SECRET_BYTES, type SecretValue, type Tag } from './model.js';

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const INVALID_NAME =
  'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!';

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * A secret name or SecretId as every operation checks it: ARNs go to the lookup, anything else
 * must be a valid name, or the answer is a ValidationException (whatever the operation).
 */
export function checkSecretId(value: unknown, field: 'SecretId' | 'Name'): string {
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  if (!value.startsWith('arn:') && !NAME.test(value)) throw validation(INVALID_NAME);
  return value;
}

export function readValue(input: Input, required: boolean): SecretValue | undefined {
  const hasString = input.SecretString !== undefined && input.SecretString !== null;
  const hasBinary = input.SecretBinary !== undefined && input.SecretBinary !== null;
  if (hasString && hasBinary)
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  if (!hasString && !hasBinary) {
    if (required) throw invalidRequest('You must provide either SecretString or SecretBinary.');
    return undefined;
  }
  const field = hasString ? 'secretString' : 'secretBinary';
  const value = hasString ? input.SecretString : input.SecretBinary;
  if (typeof value !== 'string')
    throw validation(`${hasString ? 'SecretString' : 'SecretBinary'} must be a string`);
  const size = hasString ? Buffer.byteLength(value) : Buffer.from(value, 'base64').length;
  if (size > MAX_SECRET_BYTES)
    throw validation(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES}`,
    );
  return hasString ? { secretString: value } : { secretBinary: value };
}

/** ClientRequestToken: the SDKs always fill it in; a request without one is refused, as AWS does. */
export function requireToken(input: Input): string {
  const token = input.ClientRequestToken;
  if (token === undefined || token === null)
    throw invalidRequest('You must provide a ClientRequestToken value. We recommend a UUID-type value.');
  if (typeof token !== 'string' || token.length < 32 || token.length > 64)
    throw validation(
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64",
    );
  return token;
}

export function requireString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint`,
    );
  return value;
}

export function readStages(stages: unknown): string[] | undefined {
  if (stages === undefined || stages === null) return undefined;
  if (
    !Array.isArray(stages) ||
    stages.length < 1 ||
    stages.length > 20 ||
    stages.some((s) => typeof s !== 'string')
  )
    throw validation("1 validation error detected: Value at 'versionStages' failed to satisfy constraint");
  return [...new Set(stages as string[])];
}

export function readTags(tags: unknown): Tag[] {
  if (!Array.isArray(tags)) throw validation("1 validation error detected: 'tags' must not be null");
  return tags.map((tag) => {
    const key = tag?.Key;
    const value = tag?.Value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128)
      throw validation(
        "1 validation error detected: Value at 'tags.member.key' failed to satisfy constraint",
      );
    if (typeof value !== 'string' || value.length > 256)
      throw validation(
        "1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint",
      );
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys beginning with aws: are reserved.');
    return { Key: key, Value: value };
  });
}

export function readMaxResults(value: unknown, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return value;
}
