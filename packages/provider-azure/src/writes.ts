import type { KeyVaultSecret } from '@azure/keyvault-secrets';
import {
  type ProviderCallOptions,
  type ProviderDeleteOptions,
  ProviderError,
  type ProviderSetOptions,
  retry,
  type SecretInfo,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import {
  isDeletedButRecoverable,
  isNotFound,
  MAX_VALUE_BYTES,
  safeCause,
  statusOf,
  toSecretInfo,
  toVaultTags,
} from './mapping.js';
import type { AzureSession } from './session.js';
import { currentVersion, expireOlderVersions } from './versions.js';

/** Writes a new version, over a soft-deleted secret as `onDeletedConflict` says. */
export async function setSecret(
  session: AzureSession,
  key: string,
  value: string,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  if (typeof value !== 'string') throw new ValidationError(`the value of secret '${key}' must be a string`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES)
    throw new ValidationError(
      `the value of secret '${key}' is ${bytes} bytes; Azure Key Vault stores at most ${MAX_VALUE_BYTES} bytes`,
    );
  const tags = toVaultTags(options.tags, options.metadata, options.scope);

  if (options.expectedVersion !== undefined) {
    // Key Vault has no compare-and-set: this check narrows the race, it cannot close it.
    const current = await currentVersion(session, key, vaultName, signal);
    if ((current ?? '0') !== options.expectedVersion) throw new VersionConflictError(key);
  }

  const write = () =>
    session.client.setSecret(vaultName, value, {
      ...(tags ? { tags } : {}),
      ...(options.expiresAt ? { expiresOn: options.expiresAt } : {}),
      ...session.requestOptions(signal),
    });
  let written: KeyVaultSecret;
  try {
    written = await write();
  } catch (error) {
    if (!isDeletedButRecoverable(error)) throw session.fail(error, 'set', key);
    written = await writeOverDeleted(session, key, vaultName, write, error, signal);
  }

  if (options.expirePreviousVersions)
    await expireOlderVersions(session, key, vaultName, written.properties.version, signal);
  return toSecretInfo(key, written.properties, session.name);
}

async function writeOverDeleted<T>(
  session: AzureSession,
  key: string,
  vaultName: string,
  write: () => Promise<T>,
  conflict: unknown,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (session.onDeletedConflict === 'error')
    throw new ProviderError(
      session.name,
      `secret '${key}' is deleted but recoverable in Key Vault, so its name cannot be written: recover it (recover('${key}')) or erase it (delete with permanent: true)`,
      { cause: safeCause(conflict), hint: "or set onDeletedConflict: 'recover' | 'purge' on the provider" },
    );
  try {
    if (session.onDeletedConflict === 'recover')
      await (
        await session.client.beginRecoverDeletedSecret(vaultName, session.pollerOptions(signal))
      ).pollUntilDone();
    else await session.client.purgeDeletedSecret(vaultName, session.requestOptions(signal));
  } catch (error) {
    throw session.fail(error, session.onDeletedConflict, key);
  }
  // The service frees a purged or recovered name shortly after answering: retry the conflict a few times.
  try {
    return await retry(write, {
      attempts: 9,
      baseDelayMs: 250,
      maxDelayMs: 4_000,
      budgetMs: 30_000,
      retryable: (error) => statusOf(error) === 409,
      ...(signal ? { abortSignal: signal } : {}),
    });
  } catch (error) {
    throw session.fail(error, 'set', key);
  }
}

/** Soft-deletes the secret; `permanent` also purges it (and any earlier soft-deleted one). */
export async function deleteSecret(
  session: AzureSession,
  key: string,
  options: ProviderDeleteOptions,
): Promise<boolean> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  let deleted = false;
  try {
    await (await session.client.beginDeleteSecret(vaultName, session.pollerOptions(signal))).pollUntilDone();
    deleted = true;
  } catch (error) {
    if (!isNotFound(error)) throw session.fail(error, 'delete', key);
  }
  if (!options.permanent) return deleted;
  // Purging also erases a secret that an earlier, soft delete left behind.
  try {
    await session.client.purgeDeletedSecret(vaultName, session.requestOptions(signal));
    return true;
  } catch (error) {
    if (isNotFound(error)) return deleted;
    throw session.fail(error, 'purge', key);
  }
}

/** Brings a soft-deleted secret back (all its versions). False when nothing was deleted under that name. */
export async function recoverSecret(
  session: AzureSession,
  key: string,
  options: ProviderCallOptions,
): Promise<boolean> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  try {
    await (
      await session.client.beginRecoverDeletedSecret(vaultName, session.pollerOptions(signal))
    ).pollUntilDone();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw session.fail(error, 'recover', key);
  }
}
