import {
  isHushError,
  type ProviderDeleteOptions,
  type ProviderSetOptions,
  type SecretInfo,
  SecretNotFoundError,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import { checkMetadataUpdate, writeCustomMetadata } from './custom-metadata.js';
import {
  type DataResponse,
  isCasMismatch,
  isCasRequired,
  toFailure,
  toHushError,
  valueToData,
  versionState,
  type WriteResponse,
} from './mapping.js';
import type { VaultSession } from './session.js';
import { parseVaultTime } from './time.js';

/** Writes a new version (check-and-set against `expectedVersion`), then its tags, metadata and expiry. */
export async function writeSecret(
  session: VaultSession,
  key: string,
  value: string,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  if (typeof value !== 'string') throw new ValidationError('a secret value must be a string');
  let cas: number | undefined;
  if (options.expectedVersion !== undefined) {
    if (!/^\d+$/.test(options.expectedVersion))
      throw new ValidationError(
        `expectedVersion must be a Vault version number, got '${options.expectedVersion}'`,
      );
    cas = Number(options.expectedVersion);
  }
  checkMetadataUpdate({
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
  });
  const written = await writeData(session, key, valueToData(value), cas);
  return afterWrite(session, key, written, options);
}

/** Writes an older version's data again as a new version. */
export async function rollbackSecret(
  session: VaultSession,
  key: string,
  version: string,
): Promise<SecretInfo> {
  if (!/^[1-9]\d*$/.test(version)) throw new SecretNotFoundError(key, { version, provider: session.name });
  const old = await session.call<DataResponse | null>(
    'rollback',
    key,
    () => session.client.read(`${session.paths.data(key)}?version=${version}`),
    { notFound: null },
  );
  if (!old?.data?.data) throw new SecretNotFoundError(key, { version, provider: session.name });
  // The old version's data becomes a new version, map shape and all.
  const written = await writeData(session, key, old.data.data, undefined);
  return afterWrite(session, key, written, {});
}

/**
 * A soft delete of the current version (Vault keeps its data for `undelete`), or with
 * `permanent` the key with every version; false when there was nothing to delete.
 */
export async function deleteSecret(
  session: VaultSession,
  key: string,
  options: ProviderDeleteOptions,
): Promise<boolean> {
  const metadata = await session.readMetadata(key, 'delete');
  if (!metadata) return false;
  if (options.permanent) {
    await session.call('delete', key, () => session.client.delete(session.paths.metadata(key)));
    return true;
  }
  const current = metadata.versions?.[String(metadata.current_version)];
  if (!current || versionState(current) !== 'enabled') return false;
  await session.call('delete', key, () => session.client.delete(session.paths.data(key)));
  return true;
}

/** Writes the data; when the mount or key demands check-and-set, against the version current now. */
async function writeData(
  session: VaultSession,
  key: string,
  data: Record<string, unknown>,
  cas: number | undefined,
): Promise<WriteResponse> {
  const body = (casValue: number | undefined) => ({
    data,
    ...(casValue !== undefined ? { options: { cas: casValue } } : {}),
  });
  try {
    return await session.call<WriteResponse>(
      'set',
      key,
      () => session.client.write(session.paths.data(key), body(cas)),
      { raw: true },
    );
  } catch (error) {
    if (isHushError(error)) throw error;
    const failure = toFailure(error);
    if (isCasMismatch(failure)) throw new VersionConflictError(key);
    if (!isCasRequired(failure) || cas !== undefined)
      throw toHushError(failure, { provider: session.name, operation: 'set', key });
  }
  const metadata = await session.readMetadata(key, 'set');
  const current = metadata?.current_version ?? 0;
  try {
    return await session.call<WriteResponse>(
      'set',
      key,
      () => session.client.write(session.paths.data(key), body(current)),
      { raw: true },
    );
  } catch (error) {
    if (isHushError(error)) throw error;
    const failure = toFailure(error);
    if (isCasMismatch(failure)) throw new VersionConflictError(key);
    throw toHushError(failure, { provider: session.name, operation: 'set', key });
  }
}

/** After a data write: the custom metadata the write gives, and the older versions expired when asked. */
async function afterWrite(
  session: VaultSession,
  key: string,
  written: WriteResponse,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  const version = Number(written.data?.version ?? 0);
  let custom = written.data?.custom_metadata;
  const created = parseVaultTime(written.data?.created_time);
  if (options.tags || options.metadata || options.expiresAt || options.scope !== undefined) {
    custom = writeCustomMetadata(custom, version, {
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    });
    await session.call('set', key, () =>
      session.client.write(session.paths.metadata(key), { custom_metadata: custom }),
    );
  }
  if (options.expirePreviousVersions && version > 1) {
    const metadata = await session.readMetadata(key, 'set');
    const live = Object.entries(metadata?.versions ?? {})
      .filter(([n, v]) => Number(n) < version && versionState(v) === 'enabled')
      .map(([n]) => Number(n));
    if (live.length)
      await session.call('set', key, () =>
        session.client.write(session.paths.delete(key), { versions: live }),
      );
  }
  return session.info(key, version, custom, created ? { createdAt: created, updatedAt: created } : {});
}
