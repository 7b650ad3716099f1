import type { KeyVaultSecret, SecretProperties } from '@azure/keyvault-secrets';
import { type ProviderCallOptions, ProviderError, type SecretInfo, type SecretVersion } from '@hush/core';
import { isDisabled, isNotFound, safeCause, toSecretInfo, toSecretVersion } from './mapping.js';
import type { AzureSession } from './session.js';

const HEX_VERSION = /^[0-9a-fA-F]{32}$/;
const ORDINAL_VERSION = /^[1-9]\d{0,8}$/;

/** Versions oldest first (by creation time; the service's own order is not chronological). */
export async function listVersionProperties(
  session: AzureSession,
  key: string,
  vaultName: string,
  signal: AbortSignal | undefined,
): Promise<SecretProperties[]> {
  const versions: SecretProperties[] = [];
  try {
    for await (const properties of session.client.listPropertiesOfSecretVersions(
      vaultName,
      session.requestOptions(signal),
    ))
      versions.push(properties);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw session.fail(error, 'list versions of', key);
  }
  return versions
    .map((properties, index) => ({ properties, index }))
    .sort(
      (a, b) =>
        (a.properties.createdOn?.getTime() ?? 0) - (b.properties.createdOn?.getTime() ?? 0) ||
        a.index - b.index,
    )
    .map(({ properties }) => properties);
}

/**
 * A version as Key Vault knows it (32 hex digits), or an ordinal (`1` is the first version
 * written) resolved through the version list; `null` when there is no such version.
 */
export async function resolveVersion(
  session: AzureSession,
  key: string,
  vaultName: string,
  version: string,
  signal: AbortSignal | undefined,
): Promise<string | null> {
  if (HEX_VERSION.test(version)) return version.toLowerCase();
  if (!ORDINAL_VERSION.test(version)) return null;
  const versions = await listVersionProperties(session, key, vaultName, signal);
  return versions[Number(version) - 1]?.version ?? null;
}

/** The current version; for a disabled secret, the newest; `undefined` when there is none. */
export async function currentVersion(
  session: AzureSession,
  key: string,
  vaultName: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    return (await session.client.getSecret(vaultName, session.requestOptions(signal))).properties.version;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    if (isDisabled(error))
      return (await listVersionProperties(session, key, vaultName, signal)).at(-1)?.version;
    throw session.fail(error, 'get', key);
  }
}

/** Every version, oldest first, the current one marked. */
export async function listSecretVersions(
  session: AzureSession,
  key: string,
  options: ProviderCallOptions,
): Promise<SecretVersion[]> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  const versions = await listVersionProperties(session, key, vaultName, signal);
  if (versions.length === 0) return [];
  const current = (await currentVersion(session, key, vaultName, signal)) ?? versions.at(-1)!.version;
  return versions.map((properties) => toSecretVersion(properties, properties.version === current));
}

/** Sets the expiry of every enabled, unexpired version but `newest` to now. */
export async function expireOlderVersions(
  session: AzureSession,
  key: string,
  vaultName: string,
  newest: string | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const now = new Date();
  const versions = await listVersionProperties(session, key, vaultName, signal);
  for (const version of versions) {
    if (!version.version || version.version === newest || version.enabled === false) continue;
    if (version.expiresOn && version.expiresOn <= now) continue;
    try {
      await session.client.updateSecretProperties(vaultName, version.version, {
        expiresOn: now,
        ...session.requestOptions(signal),
      });
    } catch (error) {
      throw session.fail(error, 'expire previous version of', key);
    }
  }
}

/** Makes an older version current by writing its value (and tags) again as a new version. */
export async function rollbackSecret(
  session: AzureSession,
  key: string,
  version: string,
  options: ProviderCallOptions,
): Promise<SecretInfo> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  const resolved = await resolveVersion(session, key, vaultName, version, signal);
  let old: KeyVaultSecret;
  try {
    if (resolved === null) throw Object.assign(new Error('no such version'), { statusCode: 404 });
    old = await session.client.getSecret(vaultName, { version: resolved, ...session.requestOptions(signal) });
  } catch (error) {
    if (isNotFound(error) || isDisabled(error))
      throw new ProviderError(
        session.name,
        `cannot roll back '${key}': version ${version} does not exist or is disabled`,
        { cause: safeCause(error) },
      );
    throw session.fail(error, 'rollback', key);
  }
  try {
    const written = await session.client.setSecret(vaultName, old.value ?? '', {
      ...(old.properties.tags ? { tags: old.properties.tags } : {}),
      ...(old.properties.contentType ? { contentType: old.properties.contentType } : {}),
      ...session.requestOptions(signal),
    });
    return toSecretInfo(key, written.properties, session.name);
  } catch (error) {
    throw session.fail(error, 'rollback', key);
  }
}
