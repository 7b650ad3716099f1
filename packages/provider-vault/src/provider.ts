import { AsyncLocalStorage } from 'node:async_hooks';
import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  type ExternalSecretsBackend,
  isHushError,
  type LeaseDescription,
  type LeaseListOptions,
  type LeaseRenewOptions,
  mapConcurrent,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  parseDuration,
  refuseUnknownOptions,
  retry,
  type Secret,
  type SecretInfo,
  type SecretLease,
  SecretNotFoundError,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import nodeVault from 'node-vault';
import { VaultAuthenticator, type VaultAuthOptions } from './auth.js';
import { DynamicPaths, type VaultCall } from './dynamic.js';
import { type VaultLocation, vaultExternalSecrets } from './external-secrets.js';
import { revokeLeasePrefix } from './leases.js';
import {
  checkMetadataUpdate,
  type DataResponse,
  isCasMismatch,
  isCasRequired,
  type KvPaths,
  kvPaths,
  parseVaultTime,
  toFailure,
  toHushError,
  toSecret,
  toSecretInfo,
  toVersions,
  type VaultFailure,
  valueToData,
  versionState,
  writeCustomMetadata,
} from './mapping.js';
import { VaultPolicies } from './policies.js';

export interface VaultProviderOptions {
  /** Instance name used in errors and pins. Default `vault`. */
  name?: string;
  /** Vault's address. Default `VAULT_ADDR`, then `http://127.0.0.1:8200`. */
  address?: string;
  /** Enterprise namespace (`X-Vault-Namespace`). Default `VAULT_NAMESPACE`. */
  namespace?: string;
  /** Shorthand for `auth: { method: 'token', token }`. */
  token?: string;
  /**
   * Default: a token from `VAULT_TOKEN`; else AppRole when `VAULT_ROLE_ID` (and `VAULT_SECRET_ID`)
   * are set.
   */
  auth?: VaultAuthOptions;
  /** KV v2 mount. Default `secret`. */
  mount?: string;
  /** Folder under the mount that holds hush's names (`apps/web` → `secret/data/apps/web/<name>`). Default none. */
  pathPrefix?: string;
  /** Per-request timeout: milliseconds or a duration such as `'5s'`. Default 10 s. */
  requestTimeout?: number | string;
  /** Extra attempts after a 5xx, a 429 or a connection failure. Default 3. */
  retries?: number;
  /** First backoff delay in ms (doubled each attempt, full jitter). Default 100. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling in ms. Default 2000. */
  retryMaxDelayMs?: number;
  /** Renew the token when this share of its TTL has passed. Default 2/3. */
  renewFraction?: number;
  /** Metadata reads in flight while listing. Default 8. */
  listConcurrency?: number;
  /** TLS settings passed to node-vault (`ca`, `cert`, `key`, `strictSSL`). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; strictSSL?: boolean };
  /** Where bootstrap variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Relative paths (the Kubernetes JWT file) are resolved from here. Default the working directory. */
  root?: string;
  /**
   * Names that are Vault paths of dynamic secrets (globs such as `database/creds/*`): each read
   * is a new credential under a lease (its data as JSON: `#username`, `#password`), read-only.
   * Default none.
   */
  dynamic?: string[];
  /** The clock lease expiries are computed with, in epoch ms (default `Date.now`); for tests. */
  now?: () => number;
}

export const VAULT_CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: true,
  delete: true,
  list: true,
  versions: true,
  tags: true,
  expiry: true,
  batchGet: false,
});

interface WriteResponse {
  data?: { version?: number; created_time?: string; custom_metadata?: unknown };
}

interface MetadataResponse {
  data?: {
    current_version?: number;
    created_time?: string;
    updated_time?: string;
    custom_metadata?: unknown;
    versions?: Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>;
  };
}

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<VaultProviderOptions>()({
  name: true,
  address: true,
  namespace: true,
  token: true,
  auth: true,
  mount: true,
  pathPrefix: true,
  dynamic: true,
  now: true,
  requestTimeout: true,
  retries: true,
  retryBaseDelayMs: true,
  retryMaxDelayMs: true,
  renewFraction: true,
  listConcurrency: true,
  tls: true,
  env: true,
  root: true,
});

/** HashiCorp Vault KV v2 through node-vault. */
export class VaultProvider implements SecretProvider {
  readonly kind = 'vault';
  readonly name: string;
  readonly capabilities = VAULT_CAPABILITIES;
  readonly address: string;
  readonly #client: nodeVault.client;
  readonly #auth: VaultAuthenticator;
  readonly #paths: KvPaths;
  readonly #dynamic: DynamicPaths;
  readonly #policies: VaultPolicies;
  readonly #location: VaultLocation;
  readonly #retries: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #listConcurrency: number;
  readonly #counters = { requests: 0, retries: 0, throttled: 0, relogins: 0 };
  /** The abort signal of the call in progress, through its async context (node-vault takes none). */
  readonly #signal = new AsyncLocalStorage<AbortSignal | undefined>();

  constructor(options: VaultProviderOptions = {}) {
    refuseUnknownOptions(options, OPTION_NAMES, 'vault provider', 'config');
    const env = options.env ?? process.env;
    this.name = options.name ?? 'vault';
    this.address = (options.address ?? env.VAULT_ADDR ?? 'http://127.0.0.1:8200').replace(/\/+$/, '');
    const namespace = options.namespace ?? env.VAULT_NAMESPACE;
    const timeout =
      typeof options.requestTimeout === 'string'
        ? parseDuration(options.requestTimeout)
        : (options.requestTimeout ?? 10_000);
    this.#retries = options.retries ?? 3;
    this.#baseDelay = options.retryBaseDelayMs ?? 100;
    this.#maxDelay = options.retryMaxDelayMs ?? 2_000;
    this.#listConcurrency = Math.max(1, options.listConcurrency ?? 8);
    const renewFraction = options.renewFraction ?? 2 / 3;
    if (!(renewFraction > 0 && renewFraction < 1))
      throw new ConfigError('renewFraction must be between 0 and 1', { path: 'renewFraction' });

    const auth = resolveAuth(options, env);
    if (auth.method === 'kubernetes' && auth.jwtFile && !isAbsolute(auth.jwtFile)) {
      auth.jwtFile = resolve(options.root ?? process.cwd(), auth.jwtFile);
    }
    const makeClient = (token: string | undefined) => {
      const client = nodeVault({
        apiVersion: 'v1',
        endpoint: this.address,
        ...(namespace ? { namespace } : {}),
        // node:http servers (and some proxies) refuse the LIST verb; Vault takes GET ?list=true alike.
        noCustomHTTPVerbs: true,
        requestOptions: { timeout, ...(options.tls ?? {}) },
      });
      // node-vault falls back to VAULT_TOKEN from process.env; the token is always set here instead.
      client.token = token ?? '';
      return client;
    };
    this.#client = makeClient(auth.method === 'token' ? auth.token : undefined);
    this.#auth = new VaultAuthenticator(this.#client, makeClient(undefined), auth, {
      renewFraction,
      retrying: (call) => this.#withRetries(call),
      providerName: this.name,
    });
    this.#paths = kvPaths(options.mount ?? 'secret', options.pathPrefix ?? '');
    this.#location = {
      address: this.address,
      ...(namespace ? { namespace } : {}),
      mount: options.mount ?? 'secret',
      pathPrefix: options.pathPrefix ?? '',
      auth,
    };
    this.#dynamic = new DynamicPaths(
      options.dynamic ?? [],
      this.#client,
      (operation, key, call, behaviour) => this.#call(operation, key, call, behaviour),
      this.name,
      options.now ?? Date.now,
    );
    this.#policies = new VaultPolicies(
      this.#client,
      (operation, key, call, behaviour) => this.#call(operation, key, call, behaviour),
      this.#paths,
    );
  }

  async initialize(): Promise<void> {
    await this.#call('initialize', undefined, () => Promise.resolve());
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return this.#signal.run(options.abortSignal, () => this.#getNow(key, options));
  }

  async #getNow(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    validateSecretName(key);
    if (this.#dynamic.matches(key)) return options.version === undefined ? this.#dynamic.read(key) : null;
    let path = this.#paths.data(key);
    if (options.version !== undefined) {
      if (!/^[1-9]\d*$/.test(options.version)) return null;
      path += `?version=${options.version}`;
    }
    const answer = await this.#call<DataResponse | null>('get', key, () => this.#client.read(path), {
      notFound: null,
    });
    return answer ? toSecret(key, answer, this.name) : null;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    return this.#signal.run(options.abortSignal, () => this.#setNow(key, value, options));
  }

  async #setNow(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    validateSecretName(key);
    if (this.#dynamic.matches(key)) this.#dynamic.refuse('set', key);
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
    const written = await this.#writeData(key, valueToData(value), cas);
    return this.#afterWrite(key, written, options);
  }

  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    return this.#signal.run(options.abortSignal, () => this.#rollbackNow(key, version));
  }

  async #rollbackNow(key: string, version: string): Promise<SecretInfo> {
    validateSecretName(key);
    if (this.#dynamic.matches(key)) this.#dynamic.refuse('rollback', key);
    if (!/^[1-9]\d*$/.test(version)) throw new SecretNotFoundError(key, { version, provider: this.name });
    const old = await this.#call<DataResponse | null>(
      'rollback',
      key,
      () => this.#client.read(`${this.#paths.data(key)}?version=${version}`),
      {
        notFound: null,
      },
    );
    if (!old?.data?.data) throw new SecretNotFoundError(key, { version, provider: this.name });
    // The old version's data becomes a new version, map shape and all.
    const written = await this.#writeData(key, old.data.data, undefined);
    return this.#afterWrite(key, written, {});
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    return this.#signal.run(options.abortSignal, () => this.#deleteNow(key, options));
  }

  async #deleteNow(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    validateSecretName(key);
    if (this.#dynamic.matches(key)) this.#dynamic.refuse('delete', key);
    const metadata = await this.#readMetadata(key, 'delete');
    if (!metadata) return false;
    if (options.permanent) {
      await this.#call('delete', key, () => this.#client.delete(this.#paths.metadata(key)));
      return true;
    }
    const current = metadata.versions?.[String(metadata.current_version)];
    if (!current || versionState(current) !== 'enabled') return false;
    // A soft delete of the current version: Vault keeps its data for `undelete`.
    await this.#call('delete', key, () => this.#client.delete(this.#paths.data(key)));
    return true;
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    return this.#signal.run(options.abortSignal, () => this.#listVersionsNow(key));
  }

  async #listVersionsNow(key: string): Promise<SecretVersion[]> {
    validateSecretName(key);
    if (this.#dynamic.matches(key)) return [];
    const metadata = await this.#readMetadata(key, 'listVersions');
    return metadata ? toVersions(metadata) : [];
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return this.#signal.run(options.abortSignal, () => this.#listNow(options));
  }

  async #listNow(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const prefix = options.prefix ?? '';
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const names: string[] = [];
    const folders = [start];
    // Breadth-first through the folders that can hold names with the prefix.
    while (folders.length > 0) {
      const batch = folders.splice(0, this.#listConcurrency);
      const listed = await Promise.all(
        batch.map((folder) => this.#listFolder(folder).then((keys) => ({ folder, keys }))),
      );
      for (const { folder, keys } of listed) {
        for (const entry of keys) {
          const full = folder + entry;
          if (entry.endsWith('/')) {
            if (full.startsWith(prefix) || prefix.startsWith(full)) folders.push(full);
          } else if (full.startsWith(prefix)) names.push(full);
        }
      }
    }
    const infos = await mapConcurrent(names.sort(), this.#listConcurrency, async (name) => {
      const metadata = await this.#readMetadata(name, 'list');
      if (!metadata) return undefined;
      const current = metadata.versions?.[String(metadata.current_version)];
      if (!current || versionState(current) !== 'enabled') return undefined;
      return this.#info(name, metadata.current_version!, metadata.custom_metadata, {
        createdAt: parseVaultTime(metadata.created_time),
        updatedAt: parseVaultTime(metadata.updated_time ?? current.created_time),
      });
    });
    return infos.filter((info): info is SecretInfo => info !== undefined);
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    options.abortSignal?.throwIfAborted();
    try {
      // sys/health answers with a status code per state; node-vault resolves the body for all of them.
      const body = (await this.#client.health({ standbyok: true })) as {
        initialized?: boolean;
        sealed?: boolean;
        standby?: boolean;
        version?: string;
      };
      const details = {
        address: this.address,
        initialized: body.initialized === true,
        sealed: body.sealed === true,
        standby: body.standby === true,
        version: String(body.version ?? 'unknown'),
      };
      if (!details.initialized || details.sealed)
        return {
          status: 'unhealthy',
          message: details.sealed ? 'vault is sealed' : 'vault is not initialized',
          details,
        };
      if (details.standby)
        return { status: 'degraded', message: 'vault answered from a standby node', details };
      return { status: 'healthy', details };
    } catch (error) {
      const failure = toFailure(error);
      return {
        status: 'unhealthy',
        message: `vault is unreachable: ${failure.message}`,
        details: { address: this.address },
      };
    }
  }

  /** Renews a lease of a dynamic secret (`sys/leases/renew`). */
  async renewLease(lease: SecretLease, options: LeaseRenewOptions = {}): Promise<SecretLease> {
    return this.#signal.run(options.abortSignal, () => this.#dynamic.renew(lease, options));
  }

  /** Revokes a lease now (`sys/leases/revoke`); an unknown lease is not an error. */
  async revokeLease(leaseId: string, options: ProviderCallOptions = {}): Promise<void> {
    return this.#signal.run(options.abortSignal, () => this.#dynamic.revoke(leaseId));
  }

  /** Revokes every lease under a path prefix (`sys/leases/revoke-prefix`); needs `sudo`. */
  async revokeLeasePrefix(prefix: string, options: ProviderCallOptions = {}): Promise<void> {
    const call: VaultCall = (operation, key, work, behaviour) => this.#call(operation, key, work, behaviour);
    return this.#signal.run(options.abortSignal, () => revokeLeasePrefix(this.#client, call, prefix));
  }

  /** The leases under a prefix (default: the `dynamic` patterns'), with their times; needs `sudo`. */
  async listLeases(options: LeaseListOptions = {}): Promise<LeaseDescription[]> {
    return this.#signal.run(options.abortSignal, () => this.#dynamic.list(options));
  }

  /** Writes an ACL policy (`sys/policies/acl/<name>`); Vault refuses HCL that does not parse, saying where. */
  async putPolicy(name: string, document: string, options: ProviderCallOptions = {}): Promise<void> {
    return this.#signal.run(options.abortSignal, () => this.#policies.put(name, document));
  }

  /** An ACL policy's HCL; null when there is none. */
  async getPolicy(name: string, options: ProviderCallOptions = {}): Promise<string | null> {
    return this.#signal.run(options.abortSignal, () => this.#policies.get(name));
  }

  /** The ACL policies' names (`default` and `root` included, as Vault lists them). */
  async listPolicies(options: ProviderCallOptions = {}): Promise<string[]> {
    return this.#signal.run(options.abortSignal, () => this.#policies.list());
  }

  /** Deletes an ACL policy; false when there was none. */
  async deletePolicy(name: string, options: ProviderCallOptions = {}): Promise<boolean> {
    return this.#signal.run(options.abortSignal, () => this.#policies.delete(name));
  }

  /** HCL granting read of the names under `prefix` in this provider's mount and folder. */
  readPolicyFor(prefix: string): string {
    return this.#policies.readFor(prefix);
  }

  /** External Secrets Operator's Vault provider for this mount, with this provider's login. */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    return vaultExternalSecrets(this.#location);
  }

  metrics(): Record<string, number> {
    return { ...this.#counters, ...this.#auth.counters };
  }

  async dispose(): Promise<void> {
    this.#auth.dispose();
  }

  // ---- internals ---------------------------------------------------------------------------

  async #writeData(
    key: string,
    data: Record<string, unknown>,
    cas: number | undefined,
  ): Promise<WriteResponse> {
    const body = (casValue: number | undefined) => ({
      data,
      ...(casValue !== undefined ? { options: { cas: casValue } } : {}),
    });
    try {
      return await this.#call<WriteResponse>(
        'set',
        key,
        () => this.#client.write(this.#paths.data(key), body(cas)),
        { raw: true },
      );
    } catch (error) {
      if (isHushError(error)) throw error;
      const failure = toFailure(error);
      if (isCasMismatch(failure)) throw new VersionConflictError(key);
      if (!isCasRequired(failure) || cas !== undefined)
        throw toHushError(failure, { provider: this.name, operation: 'set', key });
    }
    // The mount or key demands check-and-set: write against the version current now.
    const metadata = await this.#readMetadata(key, 'set');
    const current = metadata?.current_version ?? 0;
    try {
      return await this.#call<WriteResponse>(
        'set',
        key,
        () => this.#client.write(this.#paths.data(key), body(current)),
        { raw: true },
      );
    } catch (error) {
      if (isHushError(error)) throw error;
      const failure = toFailure(error);
      if (isCasMismatch(failure)) throw new VersionConflictError(key);
      throw toHushError(failure, { provider: this.name, operation: 'set', key });
    }
  }

  async #afterWrite(key: string, written: WriteResponse, options: ProviderSetOptions): Promise<SecretInfo> {
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
      await this.#call('set', key, () =>
        this.#client.write(this.#paths.metadata(key), { custom_metadata: custom }),
      );
    }
    if (options.expirePreviousVersions && version > 1) {
      const metadata = await this.#readMetadata(key, 'set');
      const live = Object.entries(metadata?.versions ?? {})
        .filter(([n, v]) => Number(n) < version && versionState(v) === 'enabled')
        .map(([n]) => Number(n));
      if (live.length)
        await this.#call('set', key, () => this.#client.write(this.#paths.delete(key), { versions: live }));
    }
    return this.#info(key, version, custom, created ? { createdAt: created, updatedAt: created } : {});
  }

  #info(
    key: string,
    version: number,
    custom: unknown,
    dates: { createdAt?: Date; updatedAt?: Date },
  ): SecretInfo {
    return toSecretInfo(key, version, custom, dates, this.name);
  }

  async #readMetadata(key: string, operation: string): Promise<MetadataResponse['data'] | null> {
    const answer = await this.#call<MetadataResponse | null>(
      operation,
      key,
      () => this.#client.read(this.#paths.metadata(key)),
      {
        notFound: null,
      },
    );
    return answer?.data ?? null;
  }

  async #listFolder(folder: string): Promise<string[]> {
    const answer = await this.#call<{ data?: { keys?: unknown[] } } | null>(
      'list',
      folder || undefined,
      () => this.#client.list(this.#paths.folder(folder)),
      { notFound: null },
    );
    return (answer?.data?.keys ?? []).map(String);
  }

  /**
   * One logical Vault call: authenticated, retried on transient failures, re-run once after a
   * new login when the token turns out dead, and mapped to hush's errors.
   */
  async #call<T>(
    operation: string,
    key: string | undefined,
    call: () => Promise<unknown>,
    behaviour: { notFound?: T; raw?: boolean } = {},
  ): Promise<T> {
    const context = { provider: this.name, operation, ...(key !== undefined ? { key } : {}) };
    try {
      await this.#auth.ensure();
    } catch (error) {
      throw toHushErrorOrSelf(error, context);
    }
    let relogged = false;
    for (;;) {
      const tokenUsed = this.#client.token;
      try {
        return (await this.#withRetries(call)) as T;
      } catch (error) {
        const failure = toFailure(error);
        if (failure.status === 404 && 'notFound' in behaviour) return behaviour.notFound as T;
        if (!relogged && failure.status === 403) {
          let recovered: boolean;
          try {
            recovered = await this.#auth.recover(failure, tokenUsed);
          } catch (loginError) {
            throw toHushErrorOrSelf(loginError, context);
          }
          if (recovered) {
            relogged = true;
            this.#counters.relogins++;
            continue;
          }
        }
        if (behaviour.raw) throw failure;
        throw toHushError(failure, context);
      }
    }
  }

  /**
   * Retries transient failures (core's full-jitter backoff). The caller's abort signal (carried
   * through the call's async context) ends the wait at once: node-vault takes no signal, so the
   * request itself ends at its own timeout.
   */
  async #withRetries<T>(call: () => Promise<T>): Promise<T> {
    const signal = this.#signal.getStore();
    return retry(
      async () => {
        this.#counters.requests++;
        try {
          return await untilAborted(call, signal);
        } catch (error) {
          if (signal?.aborted) throw error;
          const failure: VaultFailure = toFailure(error);
          if (failure.status === 429) this.#counters.throttled++;
          throw failure;
        }
      },
      {
        attempts: this.#retries + 1,
        baseDelayMs: this.#baseDelay,
        maxDelayMs: this.#maxDelay,
        retryable: (failure) => (failure as VaultFailure).transient === true,
        onRetry: () => {
          this.#counters.retries++;
        },
        ...(signal ? { abortSignal: signal } : {}),
      },
    );
  }
}

function toHushErrorOrSelf(
  error: unknown,
  context: { provider: string; operation: string; key?: string },
): Error {
  if (isHushError(error)) return error;
  return toHushError(toFailure(error), context);
}

function resolveAuth(
  options: VaultProviderOptions,
  env: Record<string, string | undefined>,
): VaultAuthOptions {
  if (options.auth) {
    const auth = { ...options.auth };
    if (auth.method === 'token') auth.token ??= options.token ?? env.VAULT_TOKEN;
    if (auth.method === 'approle' && !auth.roleId)
      throw new ConfigError('AppRole auth needs a roleId', { path: 'auth.roleId' });
    if (auth.method === 'kubernetes' && !auth.role)
      throw new ConfigError('Kubernetes auth needs a role', { path: 'auth.role' });
    return auth;
  }
  if (options.token ?? env.VAULT_TOKEN) return { method: 'token', token: options.token ?? env.VAULT_TOKEN };
  if (env.VAULT_ROLE_ID) {
    return {
      method: 'approle',
      roleId: env.VAULT_ROLE_ID,
      ...(env.VAULT_SECRET_ID ? { secretId: env.VAULT_SECRET_ID } : {}),
    };
  }
  return { method: 'token' };
}

/** Starts the work and settles with it, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return start();
  // Aborted already: the request is never sent.
  if (signal.aborted) return Promise.reject(signal.reason);
  const work = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
