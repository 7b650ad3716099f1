/**
 * The one place where Secrets Manager's wire shapes (names, tags, versions, errors) become hush's.
 */
import type { SecretListEntry, SecretVersionsListEntry, Tag } from '@aws-sdk/client-secrets-manager';
import {
  AccessDeniedError,
  ConfigError,
  createSecret,
  type HushError,
  networkCode,
  ProviderError,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  SecretNotFoundError,
  type SecretVersion,
  ValidationError,
} from '@hush/core';

/** Tags under this prefix carry what AWS has no field for; they are hidden from `secret.tags`. */
export const RESERVED_TAG_PREFIX = 'hush:';
export const EXPIRES_TAG = 'hush:expires-at';
export const SCOPE_TAG = 'hush:scope';
export const METADATA_TAG_PREFIX = 'hush:meta:';
/** Set in `secret.metadata` when the stored value was `SecretBinary` (the value is then base64 text). */
export const BINARY_METADATA_KEY = 'aws-secret-binary';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** AWS VersionIds (ClientRequestTokens) are 32 to 64 characters long. */
export function isPlausibleVersionId(version: string): boolean {
  return version.length >= 32 && version.length <= 64;
}

/** hush name -> Secrets Manager name: the optional prefix, then the name unchanged (every hush name is a valid AWS name). */
export function toAwsName(prefix: string, key: string): string {
  return prefix + key;
}

/** Secrets Manager name -> hush name, or undefined when the name lies outside the prefix. */
export function fromAwsName(prefix: string, name: string | undefined): string | undefined {
  if (name === undefined || !name.startsWith(prefix)) return undefined;
  return name.slice(prefix.length);
}

export interface DecodedTags {
  tags: Record<string, string>;
  metadata: Record<string, string>;
  expiresAt?: Date;
  scope?: string;
}

export function decodeTags(list: Tag[] | undefined): DecodedTags {
  const decoded: DecodedTags = { tags: {}, metadata: {} };
  for (const { Key: key, Value: value = '' } of list ?? []) {
    if (key === undefined) continue;
    if (key === EXPIRES_TAG) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) decoded.expiresAt = date;
    } else if (key === SCOPE_TAG) decoded.scope = value;
    else if (key.startsWith(METADATA_TAG_PREFIX))
      decoded.metadata[key.slice(METADATA_TAG_PREFIX.length)] = value;
    else if (!key.startsWith(RESERVED_TAG_PREFIX)) decoded.tags[key] = value;
  }
  return decoded;
}

// Secrets Manager accepts these characters in tag keys and values (besides letters, digits and spaces).
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function encodeTags(input: {
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  expiresAt?: Date;
  scope?: string;
}): Tag[] {
  const out: Tag[] = [];
  const add = (key: string, value: string) => {
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key))
      throw new ValidationError(
        `tag key '${key.slice(0, 140)}' is not a valid AWS tag key (1-128 letters, digits, spaces, _ . : / = + - @)`,
      );
    if (value.length > 256 || !TAG_TEXT.test(value))
      throw new ValidationError(
        `the value of tag '${key}' is not a valid AWS tag value (up to 256 letters, digits, spaces, _ . : / = + - @)`,
      );
    out.push({ Key: key, Value: value });
  };
  for (const [key, value] of Object.entries(input.tags ?? {})) {
    if (key.startsWith(RESERVED_TAG_PREFIX) || key.toLowerCase().startsWith('aws:'))
      throw new ValidationError(
        `tag key '${key}' uses a reserved prefix ('${RESERVED_TAG_PREFIX}' or 'aws:')`,
      );
    add(key, value);
  }
  for (const [key, value] of Object.entries(input.metadata ?? {})) add(METADATA_TAG_PREFIX + key, value);
  if (input.expiresAt) add(EXPIRES_TAG, input.expiresAt.toISOString());
  if (input.scope !== undefined) add(SCOPE_TAG, input.scope);
  if (out.length > 50)
    throw new ValidationError('AWS allows at most 50 tags per secret (tags, metadata and expiry together)');
  return out;
}

/** The VersionId that carries `label` in a VersionIdsToStages map. */
export function versionWithLabel(
  map: Record<string, string[]> | undefined,
  label = AWSCURRENT,
): string | undefined {
  for (const [id, stages] of Object.entries(map ?? {})) if (stages.includes(label)) return id;
  return undefined;
}

/** `SecretString`, or `SecretBinary` as base64 text. */
export function decodeValue(output: { SecretString?: string; SecretBinary?: Uint8Array }): {
  value: string;
  binary: boolean;
} {
  if (output.SecretString !== undefined) return { value: output.SecretString, binary: false };
  if (output.SecretBinary !== undefined)
    return { value: Buffer.from(output.SecretBinary).toString('base64'), binary: true };
  return { value: '', binary: false };
}

// ---- models ----

/** A date the service left out is the epoch ("unknown"), never "now", which would read as a fresh write. */
const UNKNOWN_DATE = 0;

/** GetSecretValue's or BatchGetSecretValue's entry, with the tags known for the secret, as a hush Secret. */
export function toSecret(
  key: string,
  value: { SecretString?: string; SecretBinary?: Uint8Array; VersionId?: string; CreatedDate?: Date },
  described: { tags: DecodedTags; createdAt?: Date; updatedAt?: Date } | undefined,
  provider: string,
): Secret {
  const { value: text, binary } = decodeValue(value);
  const decoded = described?.tags ?? { tags: {}, metadata: {} };
  const createdAt = value.CreatedDate ?? described?.createdAt ?? new Date(UNKNOWN_DATE);
  return createSecret({
    key,
    value: text,
    version: value.VersionId ?? '',
    createdAt,
    updatedAt: described?.updatedAt ?? createdAt,
    ...(decoded.expiresAt ? { expiresAt: decoded.expiresAt } : {}),
    ...(decoded.scope !== undefined ? { scope: decoded.scope } : {}),
    tags: decoded.tags,
    metadata: binary ? { ...decoded.metadata, [BINARY_METADATA_KEY]: 'base64' } : decoded.metadata,
    provider,
  });
}

/** A secret's description without its value. */
export function toSecretInfo(
  key: string,
  version: string,
  provider: string,
  fields: DecodedTags & { createdAt: Date; updatedAt: Date },
): SecretInfo {
  const out: SecretInfo = {
    key,
    version,
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt,
    tags: fields.tags,
    metadata: fields.metadata,
    provider,
  };
  if (fields.expiresAt) out.expiresAt = fields.expiresAt;
  if (fields.scope !== undefined) out.scope = fields.scope;
  return out;
}

/** A ListSecrets entry, or undefined when it lies outside the prefix, has no current version or is deleted. */
export function listEntryToInfo(
  prefix: string,
  entry: SecretListEntry,
  provider: string,
): SecretInfo | undefined {
  const key = fromAwsName(prefix, entry.Name);
  const version = versionWithLabel(entry.SecretVersionsToStages);
  if (key === undefined || version === undefined || entry.DeletedDate) return undefined;
  const created = entry.CreatedDate ?? new Date(UNKNOWN_DATE);
  return toSecretInfo(key, version, provider, {
    createdAt: created,
    updatedAt: entry.LastChangedDate ?? created,
    ...decodeTags(entry.Tags),
  });
}

export function toSecretVersion(entry: SecretVersionsListEntry): SecretVersion | undefined {
  if (!entry.VersionId) return undefined;
  const labels = entry.VersionStages ?? [];
  return {
    version: entry.VersionId,
    createdAt: entry.CreatedDate ?? new Date(UNKNOWN_DATE),
    current: labels.includes(AWSCURRENT),
    state: 'enabled',
    labels,
  };
}

// ---- errors ----

interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'NotAuthorized',
]);

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

export const errorName = (error: unknown): string => (error as AwsErrorLike)?.name ?? 'Error';

export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

/** InvalidRequestException because the secret is scheduled for deletion (reads of such a secret are refused). */
export function isScheduledForDeletion(error: unknown): boolean {
  return (
    errorName(error) === 'InvalidRequestException' &&
    /deletion|deleted/i.test((error as AwsErrorLike).message ?? '')
  );
}

export function isThrottling(error: unknown): boolean {
  const e = error as AwsErrorLike;
  return THROTTLING_ERRORS.has(errorName(e)) || e?.$metadata?.httpStatusCode === 429;
}

/** Transient: the service failed (5xx, throttling) or could not be reached. */
export function isUnavailable(error: unknown): boolean {
  const e = error as AwsErrorLike;
  if (isThrottling(e)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e?.$fault === 'server') return true;
  if (
    [
      'InternalServiceError',
      'InternalFailure',
      'ServiceUnavailable',
      'TimeoutError',
      'RequestTimeout',
    ].includes(errorName(e))
  )
    return true;
  if (networkCode(e) !== undefined) return true;
  // No HTTP status at all: the request never got an answer (reset, refused, timed out).
  return (
    status === undefined &&
    e?.$fault === undefined &&
    !AUTH_ERRORS.has(errorName(e)) &&
    errorName(e) !== 'CredentialsProviderError'
  );
}

/**
 * What an error keeps of the SDK error as its `cause`: name, message, code and HTTP status.
 * Never the SDK error itself: it can hold the raw response (`$response`, and the body text on a
 * deserialization failure), which for a read is the secret value.
 */
export function safeCause(error: unknown): Error {
  const e = error as AwsErrorLike;
  const cause = new Error((e?.message ?? 'unknown error').split('\n')[0]!.slice(0, 300));
  cause.name = errorName(e);
  const status = e?.$metadata?.httpStatusCode;
  return Object.assign(cause, {
    ...(e?.code !== undefined ? { code: e.code } : {}),
    ...(status !== undefined ? { statusCode: status } : {}),
  });
}

/** Turns an SDK error into hush's typed error. AWS error messages name secrets and ARNs, never values. */
export function toHushError(
  error: unknown,
  context: { provider: string; operation: string; key?: string; version?: string },
): HushError {
  const e = error as AwsErrorLike;
  const name = errorName(e);
  const what = `${context.operation}${context.key ? ` '${context.key}'` : ''}`;
  const detail = `${name}: ${e?.message ?? 'unknown error'}`;
  if (isNotFound(e))
    return new SecretNotFoundError(context.key ?? '(unknown)', {
      provider: context.provider,
      version: context.version,
    });
  if (AUTH_ERRORS.has(name))
    return new AccessDeniedError(`aws provider '${context.provider}': ${what} was refused (${detail})`, {
      cause: safeCause(error),
      operation: context.operation,
      hint:
        name === 'AccessDeniedException'
          ? 'grant the IAM principal the secretsmanager permission named in the message'
          : 'check the AWS credentials, the region and the machine clock',
    });
  if (name === 'CredentialsProviderError' || /Region is missing/i.test(e?.message ?? ''))
    return new ConfigError(`aws provider '${context.provider}': ${e?.message ?? name}`, {
      hint: 'set region and credentials in the provider options, or AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE',
      cause: safeCause(error),
    });
  if (isUnavailable(e)) {
    const attempts = e?.$metadata?.attempts;
    return new ProviderUnavailableError(
      `aws provider '${context.provider}' is unavailable`,
      [
        {
          provider: context.provider,
          code: e?.code ?? name,
          message: `${what}: ${detail}${attempts && attempts > 1 ? ` (after ${attempts} attempts)` : ''}`,
        },
      ],
      { cause: safeCause(error) },
    );
  }
  return new ProviderError(context.provider, `${what} failed (${detail})`, { cause: safeCause(error) });
}
