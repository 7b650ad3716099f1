import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandOutput,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  type HushError,
  mapConcurrent,
  type ProviderCallOptions,
  type ProviderGetOptions,
  type Secret,
  validateSecretName,
} from '@hush/core';
import {
  decodeTags,
  errorName,
  isNotFound,
  isPlausibleVersionId,
  isScheduledForDeletion,
  toAwsName,
  toHushError,
  toSecret,
} from './mapping.js';
import type { KnownMetadata } from './metadata.js';
import type { AwsSession } from './session.js';
import type { SendContext } from './transport.js';

/** One key's outcome in `batchGet`. */
export type AwsBatchResult =
  | { status: 'found'; secret: Secret }
  | { status: 'not-found' }
  | { status: 'error'; error: HushError };

const BATCH_SIZE = 20;
const BATCH_CONCURRENCY = 4;

/** One GetSecretValue; tags and expiry as `readTags` says. */
export async function getSecret(
  session: AwsSession,
  key: string,
  options: ProviderGetOptions,
): Promise<Secret | null> {
  validateSecretName(key);
  const version = options.version;
  // Not a VersionId AWS could have issued: nothing to ask (AWS would refuse it as invalid).
  if (version !== undefined && !isPlausibleVersionId(version)) return null;
  const secretId = toAwsName(session.prefix, key);
  const context = { operation: 'get', key, version };
  const signal = options.abortSignal;
  const known = session.readTags === false ? undefined : session.metadata.get(secretId);
  try {
    const [value, described] = await Promise.all([
      session.send(
        new GetSecretValueCommand({ SecretId: secretId, ...(version ? { VersionId: version } : {}) }),
        context,
        signal,
      ),
      session.readTags === true && !known ? describeForRead(session, secretId, context, signal) : undefined,
    ]);
    return toSecret(key, value, described ? remember(session, secretId, described) : known, session.name);
  } catch (error) {
    if (isNotFound(error) || isScheduledForDeletion(error)) {
      session.metadata.delete(secretId);
      return null;
    }
    throw toHushError(error, { provider: session.name, ...context });
  }
}

/**
 * Reads many secrets with BatchGetSecretValue, 20 names per call, and reports each key's outcome:
 * found, not found (or scheduled for deletion), or the error AWS gave for that one secret.
 */
export async function batchGetSecrets(
  session: AwsSession,
  keys: string[],
  options: ProviderCallOptions,
): Promise<Map<string, AwsBatchResult>> {
  const unique = [...new Set(keys)];
  for (const key of unique) validateSecretName(key);
  const results = new Map<string, AwsBatchResult>();
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_SIZE) chunks.push(unique.slice(i, i + BATCH_SIZE));
  await mapConcurrent(chunks, BATCH_CONCURRENCY, (chunk) =>
    batchChunk(session, chunk, results, options.abortSignal),
  );
  // Keep the caller's order.
  return new Map(unique.map((key) => [key, results.get(key) ?? { status: 'not-found' }]));
}

async function batchChunk(
  session: AwsSession,
  keys: string[],
  results: Map<string, AwsBatchResult>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const byAwsName = new Map(keys.map((key) => [toAwsName(session.prefix, key), key]));
  let output: BatchGetSecretValueCommandOutput;
  try {
    session.counters.batchCalls++;
    output = await session.send(
      new BatchGetSecretValueCommand({ SecretIdList: [...byAwsName.keys()] }),
      { operation: 'getMany' },
      signal,
    );
  } catch (error) {
    throw toHushError(error, { provider: session.name, operation: 'getMany' });
  }
  for (const entry of output.SecretValues ?? []) {
    const key = entry.Name !== undefined ? byAwsName.get(entry.Name) : undefined;
    if (key === undefined || !entry.VersionId) continue;
    const known = session.readTags === false ? undefined : session.metadata.get(entry.Name!);
    results.set(key, { status: 'found', secret: toSecret(key, entry, known, session.name) });
  }
  for (const failure of output.Errors ?? []) {
    const key = failure.SecretId !== undefined ? byAwsName.get(failure.SecretId) : undefined;
    if (key === undefined) continue;
    const error = { name: failure.ErrorCode, message: failure.Message ?? '', $fault: 'client' as const };
    if (isNotFound(error) || isScheduledForDeletion(error)) results.set(key, { status: 'not-found' });
    else
      results.set(key, {
        status: 'error',
        error: toHushError(error, { provider: session.name, operation: 'getMany', key }),
      });
  }
}

/**
 * DescribeSecret for a read. A principal allowed GetSecretValue but not DescribeSecret (a common
 * least-privilege policy) still reads the value, without tags or expiry; counted in `describeDenied`.
 */
async function describeForRead(
  session: AwsSession,
  secretId: string,
  context: SendContext,
  signal: AbortSignal | undefined,
): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await session.send(new DescribeSecretCommand({ SecretId: secretId }), context, signal);
  } catch (error) {
    if (errorName(error) !== 'AccessDeniedException') throw error;
    session.counters.describeDenied++;
    return undefined;
  }
}

/** Keeps what a DescribeSecret said of the secret's tags, for later plain reads. */
export function remember(
  session: AwsSession,
  secretId: string,
  described: DescribeSecretCommandOutput,
): KnownMetadata {
  const known: KnownMetadata = {
    tags: decodeTags(described.Tags),
    ...(described.CreatedDate ? { createdAt: described.CreatedDate } : {}),
    ...(described.LastChangedDate ? { updatedAt: described.LastChangedDate } : {}),
  };
  session.metadata.set(secretId, known);
  return known;
}
