import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  type ProviderCallOptions,
  type ProviderDeleteOptions,
  type ProviderSetOptions,
  type SecretInfo,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import {
  AWSPREVIOUS,
  BINARY_METADATA_KEY,
  decodeTags,
  EXPIRES_TAG,
  encodeTags,
  errorName,
  isNotFound,
  isScheduledForDeletion,
  toAwsName,
  toHushError,
  toSecretInfo,
  versionWithLabel,
} from './mapping.js';
import type { AwsSession } from './session.js';
import type { SendContext } from './transport.js';

/** Delete options: core's, plus `force` (AWS's ForceDeleteWithoutRecovery, same as `permanent`). */
export interface AwsDeleteOptions extends ProviderDeleteOptions {
  force?: boolean;
}

export type SecretValueField = { SecretString: string } | { SecretBinary: Uint8Array };

type Tags = ReturnType<typeof encodeTags>;
type WriteContext = SendContext & { key: string };

const MAX_VALUE_BYTES = 65_536;

/** Refuses a value AWS would refuse for its size, before any request. */
export function checkValueSize(key: string, bytes: number): void {
  if (bytes > MAX_VALUE_BYTES)
    throw new ValidationError(`secret '${key}' is larger than AWS's limit of ${MAX_VALUE_BYTES} bytes`);
}

/**
 * Creates the secret or writes a new version of it, honouring `expectedVersion` ('0': create
 * only), then brings its tags in line with the write.
 */
export async function writeSecret(
  session: AwsSession,
  key: string,
  value: SecretValueField,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  validateSecretName(key);
  const secretId = toAwsName(session.prefix, key);
  const context = { operation: 'set', key, signal: options.abortSignal };
  const tags = encodeTags(options);
  let versionId: string | undefined;
  let created = false;
  try {
    if (options.expectedVersion === '0') {
      versionId = await create(session, secretId, value, tags, context);
      created = true;
    } else {
      if (options.expectedVersion !== undefined)
        await checkExpectedVersion(session, secretId, options.expectedVersion, context);
      const put = await putValue(session, secretId, value, context, options.expectedVersion === undefined);
      if (put === 'missing') {
        try {
          versionId = await create(session, secretId, value, tags, context);
          created = true;
        } catch (error) {
          // Someone created it in between: write a new version instead.
          if (!(error instanceof VersionConflictError)) throw error;
          versionId = (await putValue(session, secretId, value, context, false)) as string;
        }
      } else versionId = put;
    }
    if (!created) await syncTags(session, secretId, tags, options.expiresAt !== undefined, context);
    if (options.expirePreviousVersions) await dropPrevious(session, secretId, context);
  } catch (error) {
    if (error instanceof VersionConflictError || error instanceof ValidationError) throw error;
    throw toHushError(error, { provider: session.name, ...context });
  }
  const now = new Date();
  const decoded = decodeTags(tags);
  // What a write leaves is known without asking: a new secret has exactly these tags.
  if (created) session.metadata.set(secretId, { tags: decoded, createdAt: now, updatedAt: now });
  else session.metadata.merge(secretId, decoded, options.expiresAt === undefined);
  return toSecretInfo(key, versionId, session.name, {
    createdAt: now,
    updatedAt: now,
    ...decoded,
    metadata: {
      ...decoded.metadata,
      ...('SecretBinary' in value ? { [BINARY_METADATA_KEY]: 'base64' } : {}),
    },
  });
}

/** Best effort: AWS has no conditional write, so a writer may slip in between this check and the write. */
async function checkExpectedVersion(
  session: AwsSession,
  secretId: string,
  expected: string,
  context: WriteContext,
): Promise<void> {
  const described = await session
    .send(new DescribeSecretCommand({ SecretId: secretId }), context)
    .catch((error) => {
      if (isNotFound(error)) throw new VersionConflictError(context.key);
      throw error;
    });
  if (described.DeletedDate || versionWithLabel(described.VersionIdsToStages) !== expected)
    throw new VersionConflictError(context.key);
}

/** CreateSecret; a name that exists (or is scheduled for deletion) is a VersionConflictError. */
async function create(
  session: AwsSession,
  secretId: string,
  value: SecretValueField,
  tags: Tags,
  context: WriteContext,
): Promise<string> {
  try {
    const output = await session.send(
      new CreateSecretCommand({
        Name: secretId,
        ...value,
        ...(tags.length ? { Tags: tags } : {}),
        ...(session.kmsKeyId ? { KmsKeyId: session.kmsKeyId } : {}),
      }),
      context,
    );
    return output.VersionId!;
  } catch (error) {
    if (errorName(error) === 'ResourceExistsException' || isScheduledForDeletion(error))
      throw new VersionConflictError(context.key);
    throw error;
  }
}

/**
 * PutSecretValue. 'missing' when the secret does not exist. A secret scheduled for deletion is
 * restored first when `restoreDeleted` (a plain write to a deleted name brings it back).
 */
async function putValue(
  session: AwsSession,
  secretId: string,
  value: SecretValueField,
  context: WriteContext,
  restoreDeleted: boolean,
): Promise<string | 'missing'> {
  try {
    const output = await session.send(new PutSecretValueCommand({ SecretId: secretId, ...value }), context);
    return output.VersionId!;
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    if (isScheduledForDeletion(error)) {
      if (!restoreDeleted) throw new VersionConflictError(context.key);
      await session.send(new RestoreSecretCommand({ SecretId: secretId }), context);
      const output = await session.send(new PutSecretValueCommand({ SecretId: secretId, ...value }), context);
      return output.VersionId!;
    }
    throw error;
  }
}

/** Tags given on a write are merged into the secret's; the expiry belongs to the value written, so a write without one clears it. */
async function syncTags(
  session: AwsSession,
  secretId: string,
  tags: Tags,
  hasExpiry: boolean,
  context: SendContext,
): Promise<void> {
  if (tags.length) await session.send(new TagResourceCommand({ SecretId: secretId, Tags: tags }), context);
  if (!hasExpiry)
    await session.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [EXPIRES_TAG] }), context);
}

/** Takes AWSPREVIOUS off the version that was current, so nothing but the new version is labelled. */
async function dropPrevious(session: AwsSession, secretId: string, context: SendContext): Promise<void> {
  const described = await session.send(new DescribeSecretCommand({ SecretId: secretId }), context);
  const previous = versionWithLabel(described.VersionIdsToStages, AWSPREVIOUS);
  if (previous)
    await session.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: AWSPREVIOUS,
        RemoveFromVersionId: previous,
      }),
      context,
    );
}

/**
 * Schedules deletion after `recoveryWindowDays`; `{ permanent: true }` (or `{ force: true }`)
 * deletes at once with ForceDeleteWithoutRecovery.
 */
export async function deleteSecret(
  session: AwsSession,
  key: string,
  options: AwsDeleteOptions,
): Promise<boolean> {
  validateSecretName(key);
  const context = { operation: 'delete', key };
  try {
    await session.send(
      new DeleteSecretCommand({
        SecretId: toAwsName(session.prefix, key),
        ...(options.permanent || options.force
          ? { ForceDeleteWithoutRecovery: true }
          : { RecoveryWindowInDays: session.recoveryWindowDays }),
      }),
      context,
      options.abortSignal,
    );
    session.metadata.delete(toAwsName(session.prefix, key));
    return true;
  } catch (error) {
    // Already scheduled for deletion: nothing left to delete (a permanent delete never lands here).
    if (isNotFound(error) || isScheduledForDeletion(error)) return false;
    throw toHushError(error, { provider: session.name, ...context });
  }
}

/** Cancels a scheduled deletion. False when there is no such secret (or it was already purged). */
export async function restoreSecret(
  session: AwsSession,
  key: string,
  options: ProviderCallOptions,
): Promise<boolean> {
  validateSecretName(key);
  const context = { operation: 'restore', key };
  try {
    await session.send(
      new RestoreSecretCommand({ SecretId: toAwsName(session.prefix, key) }),
      context,
      options.abortSignal,
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw toHushError(error, { provider: session.name, ...context });
  }
}
