import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  AccessDeniedError,
  type ExternalSecretsBackend,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  validateSecretName,
} from '@hush/core';
import { resolveCredential, vaultScope } from './auth.js';
import { listDeletedSecrets, listSecrets } from './listing.js';
import { toHushError, toVaultName } from './mapping.js';
import { type AzureKeyVaultProviderOptions, checkOptions } from './options.js';
import { type Counters, countingPolicy, isLoopback } from './pipeline.js';
import { getSecret } from './reads.js';
import type { AzureSession, RequestOptions } from './session.js';
import { listSecretVersions, rollbackSecret } from './versions.js';
import { deleteSecret, recoverSecret, setSecret } from './writes.js';

export type { AzureKeyVaultProviderOptions } from './options.js';

/**
 * Other names of this provider in pins and listings (`provider: 'azure-kv'`), as other tools
 * call Azure Key Vault. Its own name (`azure` unless configured) always wins.
 */
export const AZURE_PROVIDER_ALIASES = ['azure-kv', 'azure-keyvault'] as const;

/** Azure Key Vault secrets through `@azure/keyvault-secrets`. */
export class AzureKeyVaultProvider implements SecretProvider {
  readonly kind = 'azure';
  readonly name: string;
  readonly aliases: typeof AZURE_PROVIDER_ALIASES = AZURE_PROVIDER_ALIASES;
  readonly vaultUrl: string;
  readonly capabilities: ProviderCapabilities = Object.freeze({
    write: true,
    delete: true,
    list: true,
    versions: true,
    tags: true,
    expiry: true,
    batchGet: false,
  });
  /** For the manager's cache (see the option); `undefined` means the manager's default. */
  readonly cacheTtlSeconds?: number;
  readonly client: SecretClient;

  readonly #session: AzureSession;
  readonly #counters: Counters = { requests: 0, retries: 0, challenges: 0, throttled: 0, serverErrors: 0 };
  readonly #credential: TokenCredential;
  #initializing?: Promise<void>;

  constructor(options: AzureKeyVaultProviderOptions = {}) {
    const settings = checkOptions(options);
    this.name = settings.name;
    this.vaultUrl = settings.vaultUrl;
    if (settings.cacheTtlSeconds !== undefined) this.cacheTtlSeconds = settings.cacheTtlSeconds;

    const clientOptions = options.clientOptions ?? {};
    this.#credential = resolveCredential(options.credential);
    this.client = new SecretClient(this.vaultUrl, this.#credential, {
      // The challenge's resource check guards against sending a vault token to a host that is not
      // a vault; a loopback host (an emulator on this machine) can never pass it.
      ...(isLoopback(this.vaultUrl) ? { disableChallengeResourceVerification: true } : {}),
      ...clientOptions,
      retryOptions: {
        maxRetries: settings.maxRetries,
        retryDelayInMs: options.retryDelayMs ?? 800,
        maxRetryDelayInMs: options.maxRetryDelayMs ?? 60_000,
        ...(clientOptions.retryOptions ?? {}),
      },
      additionalPolicies: [
        ...(clientOptions.additionalPolicies ?? []),
        { policy: countingPolicy(this.#counters), position: 'perRetry' },
      ],
    });
    this.#session = this.#newSession(options);
  }

  #newSession(options: AzureKeyVaultProviderOptions): AzureSession {
    const name = this.name;
    const mapping = options.nameMapping ?? 'escape';
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    const timeoutMs = options.timeoutMs;
    const requestOptions = (signal: AbortSignal | undefined): RequestOptions => ({
      ...(timeoutMs ? { requestOptions: { timeout: timeoutMs } } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    });
    return {
      name,
      client: this.client,
      mapping,
      onDeletedConflict: options.onDeletedConflict ?? 'error',
      vaultName(key) {
        validateSecretName(key);
        return toVaultName(key, mapping);
      },
      fail: (error, operation, key) =>
        toHushError(error, { provider: name, operation, ...(key !== undefined ? { key } : {}) }),
      requestOptions,
      pollerOptions: (signal) => ({ intervalInMs: pollIntervalMs, ...requestOptions(signal) }),
    };
  }

  /**
   * Logs in: gets a token for the vault from the credential, so that a credential that cannot
   * sign in (no managed identity, a wrong client secret, no `az login`) fails at start rather
   * than at the first read. No request goes to the vault. Idempotent: later calls share the
   * first one's outcome; a failed one is tried again by the next call.
   */
  initialize(options: ProviderCallOptions = {}): Promise<void> {
    this.#initializing ??= this.#logIn(options.abortSignal).catch((error: unknown) => {
      this.#initializing = undefined;
      throw error;
    });
    return this.#initializing;
  }

  async #logIn(signal: AbortSignal | undefined): Promise<void> {
    let token: { token: string } | null;
    try {
      token = await this.#credential.getToken(
        vaultScope(this.vaultUrl),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      throw this.#session.fail(error, 'initialize');
    }
    if (!token)
      throw new AccessDeniedError(
        `azure provider '${this.name}': the credential gave no token for the vault`,
        {
          operation: 'initialize',
        },
      );
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return getSecret(this.#session, key, options);
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    return setSecret(this.#session, key, value, options);
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    return deleteSecret(this.#session, key, options);
  }

  /** Brings a soft-deleted secret back (all its versions). False when nothing was deleted under that name. */
  async recover(key: string, options: ProviderCallOptions = {}): Promise<boolean> {
    return recoverSecret(this.#session, key, options);
  }

  /** Names of soft-deleted secrets that hush wrote (recoverable with `recover`). */
  async listDeleted(options: ProviderCallOptions = {}): Promise<string[]> {
    return listDeletedSecrets(this.#session, options);
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return listSecrets(this.#session, options);
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    return listSecretVersions(this.#session, key, options);
  }

  /** Makes an older version current by writing its value (and tags) again as a new version. */
  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    return rollbackSecret(this.#session, key, version, options);
  }

  /**
   * External Secrets Operator's Azure Key Vault provider for this vault, logging in with the
   * cluster's workload identity (no client secret in the manifest); names as this provider maps them.
   */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    const mapping = this.#session.mapping;
    return {
      provider: { azurekv: { vaultUrl: this.vaultUrl, authType: 'WorkloadIdentity' } },
      remoteRef: (name) => ({ key: toVaultName(name, mapping) }),
    };
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const signal = options.abortSignal;
    const started = Date.now();
    try {
      const pages = this.client
        .listPropertiesOfSecrets(this.#session.requestOptions(signal))
        .byPage({ maxPageSize: 1 });
      await pages.next();
      return { status: 'healthy', details: { vaultUrl: this.vaultUrl, latencyMs: Date.now() - started } };
    } catch (error) {
      const mapped = this.#session.fail(error, 'health check');
      return { status: 'unhealthy', message: mapped.message, details: { vaultUrl: this.vaultUrl } };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }
}
