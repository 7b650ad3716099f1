import type { ProviderGetOptions, Secret } from '@hush/core';
import { isDisabled, isNotFound, toSecret } from './mapping.js';
import type { AzureSession } from './session.js';
import { resolveVersion } from './versions.js';

/** The current value, or the version asked for (Key Vault's id or an ordinal); `null` when there is none. */
export async function getSecret(
  session: AzureSession,
  key: string,
  options: ProviderGetOptions,
): Promise<Secret | null> {
  const signal = options.abortSignal;
  const vaultName = session.vaultName(key);
  let version = options.version;
  if (version !== undefined) {
    const resolved = await resolveVersion(session, key, vaultName, version, signal);
    if (resolved === null) return null;
    version = resolved;
  }
  try {
    const secret = await session.client.getSecret(vaultName, {
      ...(version ? { version } : {}),
      ...session.requestOptions(signal),
    });
    return toSecret(key, secret, session.name);
  } catch (error) {
    // A disabled secret cannot be read: for hush it holds no value (listVersions shows it as disabled).
    if (isNotFound(error) || isDisabled(error)) return null;
    throw session.fail(error, 'get', key);
  }
}
