import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { ConfigError } from '@hush/core';
import type { NameMapping } from './mapping.js';

export interface AzureKeyVaultProviderOptions {
  /** Instance name in configuration and errors (default `azure`). */
  name?: string;
  /** `https://<vault>.vault.azure.net`; defaults to AZURE_VAULT_URL, then AZURE_KEYVAULT_URL. */
  vaultUrl?: string;
  /** Any `TokenCredential`; default `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** Retries of a failed request (5xx, 429, network) inside the SDK, with exponential backoff (default 3). */
  maxRetries?: number;
  /** First backoff delay (default 800 ms); doubles each retry, with jitter. */
  retryDelayMs?: number;
  /** Longest backoff delay (default 60 s). */
  maxRetryDelayMs?: number;
  /** Per-request timeout in ms (default: the SDK's, none). */
  timeoutMs?: number;
  /**
   * How long the manager may cache this provider's values, in seconds. Caching lives in
   * `@hush/core`'s manager, not here: this value is read from `provider.cacheTtlSeconds`.
   */
  cacheTtlSeconds?: number;
  /** `escape` (default): reversible mapping of hush names to vault names; `none`: names used as they are. */
  nameMapping?: NameMapping;
  /**
   * What a write does when the name is held by a soft-deleted secret (409 ObjectIsDeletedButRecoverable):
   * `error` (default) refuses with a `ProviderError`; `recover` restores the deleted secret and writes a
   * new version on top; `purge` erases it for good first.
   */
  onDeletedConflict?: 'error' | 'recover' | 'purge';
  /** Interval of the delete/recover pollers (default 250 ms; the SDK's own default is 2 s). */
  pollIntervalMs?: number;
  /** Passed to `SecretClient` as is (e.g. `tlsOptions: { ca }`, `disableChallengeResourceVerification`). */
  clientOptions?: SecretClientOptions;
  /** Environment to read the vault URL from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

const DEFAULT_RETRIES = 3;

const OPTION_NAMES: ReadonlyArray<keyof AzureKeyVaultProviderOptions> = [
  'name',
  'vaultUrl',
  'credential',
  'maxRetries',
  'retryDelayMs',
  'maxRetryDelayMs',
  'timeoutMs',
  'cacheTtlSeconds',
  'nameMapping',
  'onDeletedConflict',
  'pollIntervalMs',
  'clientOptions',
  'env',
];

/** The options checked, with their defaults filled in. */
export interface AzureSettings {
  name: string;
  vaultUrl: string;
  cacheTtlSeconds?: number;
  maxRetries: number;
}

/** Refuses unknown options, a missing or malformed vault URL and out-of-range numbers, with a `ConfigError`. */
export function checkOptions(options: AzureKeyVaultProviderOptions): AzureSettings {
  const env = options.env ?? process.env;
  const name = options.name ?? 'azure';
  for (const key of Object.keys(options))
    if (!(OPTION_NAMES as readonly string[]).includes(key))
      throw new ConfigError(`azure provider '${name}': unknown option '${key}'`, {
        path: key,
        hint: `the options are: ${OPTION_NAMES.join(', ')}`,
      });
  const vaultUrl = options.vaultUrl ?? env.AZURE_VAULT_URL ?? env.AZURE_KEYVAULT_URL;
  if (!vaultUrl)
    throw new ConfigError(`azure provider '${name}' needs a vault URL`, {
      path: 'vaultUrl',
      hint: 'set vaultUrl, or AZURE_VAULT_URL / AZURE_KEYVAULT_URL (https://<vault>.vault.azure.net)',
    });
  try {
    new URL(vaultUrl);
  } catch {
    throw new ConfigError(`azure provider '${name}': vaultUrl '${vaultUrl}' is not a URL`, {
      path: 'vaultUrl',
    });
  }
  const settings: AzureSettings = { name, vaultUrl: vaultUrl.replace(/\/+$/, ''), maxRetries: 0 };
  if (options.cacheTtlSeconds !== undefined) {
    if (!Number.isFinite(options.cacheTtlSeconds) || options.cacheTtlSeconds < 0)
      throw new ConfigError(`azure provider '${name}': cacheTtlSeconds must be a number of seconds >= 0`, {
        path: 'cacheTtlSeconds',
      });
    settings.cacheTtlSeconds = options.cacheTtlSeconds;
  }
  const maxRetries = options.maxRetries ?? DEFAULT_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw new ConfigError(`azure provider '${name}': maxRetries must be an integer >= 0`, {
      path: 'maxRetries',
    });
  settings.maxRetries = maxRetries;
  return settings;
}
