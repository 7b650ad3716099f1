import type { TokenCredential } from '@azure/identity';
import {
  type KeyVaultSecret,
  SecretClient,
  type SecretClientOptions,
  type SecretProperties,
} from '@azure/keyvault-secrets';
import {
  AccessDeniedError,
  ConfigError,
  type ExternalSecretsBackend,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  ProviderError,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  retry,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import { resolveCredential } from './auth.js';
import {
  fromVaultName,
  isDeletedButRecoverable,
  isDisabled,
  isNotFound,
  MAX_VALUE_BYTES,
  type NameMapping,
  safeCause,
  statusOf,
  toHushError,
  toSecret,
  toSecretInfo,
  toSecretVersion,
  toVaultName,
  toVaultTags,
} from './mapping.js';

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

type PipelinePolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number]['policy'];

const DEFAULT_RETRIES = 3;

/**
 * Other names of this provider in pins and listings (`provider: 'azure-kv'`), as other tools
 * call Azure Key Vault. Its own name (`azure` unless configured) always wins.
 */
export const AZURE_PROVIDER_ALIASES = ['azure-kv', 'azure-keyvault'] as const;

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
const HEX_VERSION = /^[0-9a-fA-F]{32}$/;
const ORDINAL_VERSION = /^[1-9]\d{0,8}$/;

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

  readonly #mapping: NameMapping;
  readonly #onDeletedConflict: 'error' | 'recover' | 'purge';
  readonly #pollIntervalMs: number;
  readonly #timeoutMs?: number;
  readonly #counters = { requests: 0, retries: 0, challenges: 0, throttled: 0, serverErrors: 0 };
  readonly #credential: TokenCredential;
  #initializing?: Promise<void>;

  constructor(options: AzureKeyVaultProviderOptions = {}) {
    const env = options.env ?? process.env;
    this.name = options.name ?? 'azure';
    for (const key of Object.keys(options))
      if (!(OPTION_NAMES as readonly string[]).includes(key))
        throw new ConfigError(`azure provider '${this.name}': unknown option '${key}'`, {
          path: key,
          hint: `the options are: ${OPTION_NAMES.join(', ')}`,
        });
    const vaultUrl = options.vaultUrl ?? env.AZURE_VAULT_URL ?? env.AZURE_KEYVAULT_URL;
    if (!vaultUrl)
      throw new ConfigError(`azure provider '${this.name}' needs a vault URL`, {
        path: 'vaultUrl',
        hint: 'set vaultUrl, or AZURE_VAULT_URL / AZURE_KEYVAULT_URL (https://<vault>.vault.azure.net)',
      });
    try {
      new URL(vaultUrl);
    } catch {
      throw new ConfigError(`azure provider '${this.name}': vaultUrl '${vaultUrl}' is not a URL`, {
        path: 'vaultUrl',
      });
    }
    this.vaultUrl = vaultUrl.replace(/\/+$/, '');
    if (options.cacheTtlSeconds !== undefined) {
      if (!Number.isFinite(options.cacheTtlSeconds) || options.cacheTtlSeconds < 0)
        throw new ConfigError(
          `azure provider '${this.name}': cacheTtlSeconds must be a number of seconds >= 0`,
          { path: 'cacheTtlSeconds' },
        );
      this.cacheTtlSeconds = options.cacheTtlSeconds;
    }
    const maxRetries = options.maxRetries ?? DEFAULT_RETRIES;
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new ConfigError(`azure provider '${this.name}': maxRetries must be an integer >= 0`, {
        path: 'maxRetries',
      });
    this.#mapping = options.nameMapping ?? 'escape';
    this.#onDeletedConflict = options.onDeletedConflict ?? 'error';
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    if (options.timeoutMs !== undefined) this.#timeoutMs = options.timeoutMs;

    const clientOptions = options.clientOptions ?? {};
    this.#credential = resolveCredential(options.credential);
    this.client = new SecretClient(this.vaultUrl, this.#credential, {
      // The challenge's resource check guards against sending a vault token to a host that is not
      // a vault; a loopback host (an emulator on this machine) can never pass it.
      ...(isLoopback(this.vaultUrl) ? { disableChallengeResourceVerification: true } : {}),
      ...clientOptions,
      retryOptions: {
        maxRetries,
        retryDelayInMs: options.retryDelayMs ?? 800,
        maxRetryDelayInMs: options.maxRetryDelayMs ?? 60_000,
        ...(clientOptions.retryOptions ?? {}),
      },
      additionalPolicies: [
        ...(clientOptions.additionalPolicies ?? []),
        { policy: this.#countingPolicy(), position: 'perRetry' },
      ],
    });
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
      throw this.#fail(error, 'initialize');
    }
    if (!token)
      throw new AccessDeniedError(
        `azure provider '${this.name}': the credential gave no token for the vault`,
        {
          operation: 'initialize',
        },
      );
  }

  /** Counts every attempt the SDK sends (retries included) and how they ended. */
  #countingPolicy(): PipelinePolicy {
    const counters = this.#counters;
    // The SDK sends the same request object again after a failure (a retry) and after a 401
    // (the bearer challenge): what the previous attempt got tells the two apart.
    const previous = new WeakMap<object, 'challenged' | 'failed'>();
    return {
      name: 'hushAzureRequestCounter',
      async sendRequest(request, next) {
        counters.requests++;
        const before = previous.get(request);
        if (before === 'failed') counters.retries++;
        else if (before === 'challenged') counters.challenges++;
        try {
          const response = await next(request);
          if (response.status === 429) counters.throttled++;
          else if (response.status >= 500) counters.serverErrors++;
          if (response.status === 401) previous.set(request, 'challenged');
          else if (response.status === 429 || response.status === 408 || response.status >= 500)
            previous.set(request, 'failed');
          return response;
        } catch (error) {
          previous.set(request, 'failed');
          throw error;
        }
      },
    };
  }

  /** The SDK's per-call options: the timeout, and the manager's abort signal. */
  #requestOptions(signal: AbortSignal | undefined) {
    return {
      ...(this.#timeoutMs ? { requestOptions: { timeout: this.#timeoutMs } } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    };
  }

  #vaultName(key: string): string {
    validateSecretName(key);
    return toVaultName(key, this.#mapping);
  }

  #fail(error: unknown, operation: string, key?: string): Error {
    return toHushError(error, { provider: this.name, operation, ...(key !== undefined ? { key } : {}) });
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    let version = options.version;
    if (version !== undefined) {
      const resolved = await this.#resolveVersion(key, vaultName, version, signal);
      if (resolved === null) return null;
      version = resolved;
    }
    try {
      const secret = await this.client.getSecret(vaultName, {
        ...(version ? { version } : {}),
        ...this.#requestOptions(signal),
      });
      return toSecret(key, secret, this.name);
    } catch (error) {
      // A disabled secret cannot be read: for hush it holds no value (listVersions shows it as disabled).
      if (isNotFound(error) || isDisabled(error)) return null;
      throw this.#fail(error, 'get', key);
    }
  }

  /**
   * A version as Key Vault knows it (32 hex digits), or an ordinal (`1` is the first version
   * written) resolved through the version list; `null` when there is no such version.
   */
  async #resolveVersion(
    key: string,
    vaultName: string,
    version: string,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    if (HEX_VERSION.test(version)) return version.toLowerCase();
    if (!ORDINAL_VERSION.test(version)) return null;
    const versions = await this.#listVersionProperties(key, vaultName, signal);
    return versions[Number(version) - 1]?.version ?? null;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    if (typeof value !== 'string') throw new ValidationError(`the value of secret '${key}' must be a string`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_VALUE_BYTES)
      throw new ValidationError(
        `the value of secret '${key}' is ${bytes} bytes; Azure Key Vault stores at most ${MAX_VALUE_BYTES} bytes`,
      );
    const tags = toVaultTags(options.tags, options.metadata, options.scope);

    if (options.expectedVersion !== undefined) {
      // Key Vault has no compare-and-set: this check narrows the race, it cannot close it.
      const current = await this.#currentVersion(key, vaultName, signal);
      if ((current ?? '0') !== options.expectedVersion) throw new VersionConflictError(key);
    }

    const write = () =>
      this.client.setSecret(vaultName, value, {
        ...(tags ? { tags } : {}),
        ...(options.expiresAt ? { expiresOn: options.expiresAt } : {}),
        ...this.#requestOptions(signal),
      });
    let written: KeyVaultSecret;
    try {
      written = await write();
    } catch (error) {
      if (!isDeletedButRecoverable(error)) throw this.#fail(error, 'set', key);
      written = await this.#writeOverDeleted(key, vaultName, write, error, signal);
    }

    if (options.expirePreviousVersions)
      await this.#expireOlderVersions(key, vaultName, written.properties.version, signal);
    return toSecretInfo(key, written.properties, this.name);
  }

  async #writeOverDeleted<T>(
    key: string,
    vaultName: string,
    write: () => Promise<T>,
    conflict: unknown,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (this.#onDeletedConflict === 'error')
      throw new ProviderError(
        this.name,
        `secret '${key}' is deleted but recoverable in Key Vault, so its name cannot be written: recover it (recover('${key}')) or erase it (delete with permanent: true)`,
        { cause: safeCause(conflict), hint: "or set onDeletedConflict: 'recover' | 'purge' on the provider" },
      );
    try {
      if (this.#onDeletedConflict === 'recover')
        await (
          await this.client.beginRecoverDeletedSecret(vaultName, this.#pollerOptions(signal))
        ).pollUntilDone();
      else await this.client.purgeDeletedSecret(vaultName, this.#requestOptions(signal));
    } catch (error) {
      throw this.#fail(error, this.#onDeletedConflict, key);
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
      throw this.#fail(error, 'set', key);
    }
  }

  async #expireOlderVersions(
    key: string,
    vaultName: string,
    newest: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const now = new Date();
    const versions = await this.#listVersionProperties(key, vaultName, signal);
    for (const version of versions) {
      if (!version.version || version.version === newest || version.enabled === false) continue;
      if (version.expiresOn && version.expiresOn <= now) continue;
      try {
        await this.client.updateSecretProperties(vaultName, version.version, {
          expiresOn: now,
          ...this.#requestOptions(signal),
        });
      } catch (error) {
        throw this.#fail(error, 'expire previous version of', key);
      }
    }
  }

  async #currentVersion(
    key: string,
    vaultName: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    try {
      return (await this.client.getSecret(vaultName, this.#requestOptions(signal))).properties.version;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (isDisabled(error))
        return (await this.#listVersionProperties(key, vaultName, signal)).at(-1)?.version;
      throw this.#fail(error, 'get', key);
    }
  }

  #pollerOptions(signal: AbortSignal | undefined) {
    return { intervalInMs: this.#pollIntervalMs, ...this.#requestOptions(signal) };
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    let deleted = false;
    try {
      await (await this.client.beginDeleteSecret(vaultName, this.#pollerOptions(signal))).pollUntilDone();
      deleted = true;
    } catch (error) {
      if (!isNotFound(error)) throw this.#fail(error, 'delete', key);
    }
    if (!options.permanent) return deleted;
    // Purging also erases a secret that an earlier, soft delete left behind.
    try {
      await this.client.purgeDeletedSecret(vaultName, this.#requestOptions(signal));
      return true;
    } catch (error) {
      if (isNotFound(error)) return deleted;
      throw this.#fail(error, 'purge', key);
    }
  }

  /** Brings a soft-deleted secret back (all its versions). False when nothing was deleted under that name. */
  async recover(key: string, options: ProviderCallOptions = {}): Promise<boolean> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    try {
      await (
        await this.client.beginRecoverDeletedSecret(vaultName, this.#pollerOptions(signal))
      ).pollUntilDone();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.#fail(error, 'recover', key);
    }
  }

  /** Names of soft-deleted secrets that hush wrote (recoverable with `recover`). */
  async listDeleted(options: ProviderCallOptions = {}): Promise<string[]> {
    const signal = options.abortSignal;
    const names: string[] = [];
    try {
      for await (const deleted of this.client.listDeletedSecrets(this.#requestOptions(signal))) {
        const key = fromVaultName(deleted.properties.name, this.#mapping);
        if (key !== undefined) names.push(key);
      }
    } catch (error) {
      throw this.#fail(error, 'list deleted secrets');
    }
    return names.sort();
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const signal = options.abortSignal;
    const out: SecretInfo[] = [];
    try {
      // Key Vault has no server-side prefix filter: the SDK walks every page (nextLink) and we filter here.
      for await (const properties of this.client.listPropertiesOfSecrets(this.#requestOptions(signal))) {
        const key = fromVaultName(properties.name, this.#mapping);
        if (key === undefined || (options.prefix && !key.startsWith(options.prefix))) continue;
        if (properties.managed) continue;
        out.push(toSecretInfo(key, properties, this.name));
      }
    } catch (error) {
      throw this.#fail(error, 'list');
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Versions oldest first (by creation time; the service's own order is not chronological). */
  async #listVersionProperties(
    key: string,
    vaultName: string,
    signal: AbortSignal | undefined,
  ): Promise<SecretProperties[]> {
    const versions: SecretProperties[] = [];
    try {
      for await (const properties of this.client.listPropertiesOfSecretVersions(
        vaultName,
        this.#requestOptions(signal),
      ))
        versions.push(properties);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.#fail(error, 'list versions of', key);
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

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    const versions = await this.#listVersionProperties(key, vaultName, signal);
    if (versions.length === 0) return [];
    const current = (await this.#currentVersion(key, vaultName, signal)) ?? versions.at(-1)!.version;
    return versions.map((properties) => toSecretVersion(properties, properties.version === current));
  }

  /** Makes an older version current by writing its value (and tags) again as a new version. */
  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    const signal = options.abortSignal;
    const vaultName = this.#vaultName(key);
    const resolved = await this.#resolveVersion(key, vaultName, version, signal);
    let old: KeyVaultSecret;
    try {
      if (resolved === null) throw Object.assign(new Error('no such version'), { statusCode: 404 });
      old = await this.client.getSecret(vaultName, { version: resolved, ...this.#requestOptions });
    } catch (error) {
      if (isNotFound(error) || isDisabled(error))
        throw new ProviderError(
          this.name,
          `cannot roll back '${key}': version ${version} does not exist or is disabled`,
          { cause: safeCause(error) },
        );
      throw this.#fail(error, 'rollback', key);
    }
    try {
      const written = await this.client.setSecret(vaultName, old.value ?? '', {
        ...(old.properties.tags ? { tags: old.properties.tags } : {}),
        ...(old.properties.contentType ? { contentType: old.properties.contentType } : {}),
        ...this.#requestOptions(signal),
      });
      return toSecretInfo(key, written.properties, this.name);
    } catch (error) {
      throw this.#fail(error, 'rollback', key);
    }
  }

  /**
   * External Secrets Operator's Azure Key Vault provider for this vault, logging in with the
   * cluster's workload identity (no client secret in the manifest); names as this provider maps them.
   */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    return {
      provider: { azurekv: { vaultUrl: this.vaultUrl, authType: 'WorkloadIdentity' } },
      remoteRef: (name) => ({ key: toVaultName(name, this.#mapping) }),
    };
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const signal = options.abortSignal;
    const started = Date.now();
    try {
      const pages = this.client
        .listPropertiesOfSecrets(this.#requestOptions(signal))
        .byPage({ maxPageSize: 1 });
      await pages.next();
      return { status: 'healthy', details: { vaultUrl: this.vaultUrl, latencyMs: Date.now() - started } };
    } catch (error) {
      const mapped = this.#fail(error, 'health check');
      return { status: 'unhealthy', message: mapped.message, details: { vaultUrl: this.vaultUrl } };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }
}

/** 127.0.0.1, ::1, localhost: a vault on this machine (an emulator), never the service. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/**
 * The token scope of a vault: `https://vault.azure.net/.default` for the public cloud, the
 * vault's own DNS suffix for the others (`vault.azure.cn`, `vault.usgovcloudapi.net`, managed HSMs).
 */
function vaultScope(url: string): string {
  const suffix = /^[^.]+\.((?:vault|managedhsm)\..+)$/i.exec(new URL(url).hostname)?.[1];
  return `https://${suffix ?? 'vault.azure.net'}/.default`;
}
