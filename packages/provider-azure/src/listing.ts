import type { ProviderCallOptions, ProviderListOptions, SecretInfo } from '@hush/core';
import { fromVaultName, toSecretInfo } from './mapping.js';
import type { AzureSession } from './session.js';

/** Secrets hush wrote (names that map back), under `options.prefix`, sorted by name. */
export async function listSecrets(
  session: AzureSession,
  options: ProviderListOptions,
): Promise<SecretInfo[]> {
  const signal = options.abortSignal;
  const out: SecretInfo[] = [];
  try {
    // Key Vault has no server-side prefix filter: the SDK walks every page (nextLink) and we filter here.
    for await (const properties of session.client.listPropertiesOfSecrets(session.requestOptions(signal))) {
      const key = fromVaultName(properties.name, session.mapping);
      if (key === undefined || (options.prefix && !key.startsWith(options.prefix))) continue;
      if (properties.managed) continue;
      out.push(toSecretInfo(key, properties, session.name));
    }
  } catch (error) {
    throw session.fail(error, 'list');
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Names of soft-deleted secrets that hush wrote (recoverable with `recover`). */
export async function listDeletedSecrets(
  session: AzureSession,
  options: ProviderCallOptions,
): Promise<string[]> {
  const signal = options.abortSignal;
  const names: string[] = [];
  try {
    for await (const deleted of session.client.listDeletedSecrets(session.requestOptions(signal))) {
      const key = fromVaultName(deleted.properties.name, session.mapping);
      if (key !== undefined) names.push(key);
    }
  } catch (error) {
    throw session.fail(error, 'list deleted secrets');
  }
  return names.sort();
}
