import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  type ExternalSecretsBackend,
  type LeaseDescription,
  type LeaseListOptions,
  type LeaseRenewOptions,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  parseDuration,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  type SecretLease,
  type SecretProvider,
  type SecretVersion,
  validateSecretName,
} from '@hush/core';
import nodeVault from 'node-vault';
import { VaultAuthenticator } from './auth.js';
import { DynamicPaths } from './dynamic.js';
import { type VaultLocation, vaultExternalSecrets } from './external-secrets.js';
import { revokeLeasePrefix } from './leases.js';
import { listSecrets } from './listing.js';
import { type DataResponse, kvPaths, toFailure, toSecret, toVersions } from './mapping.js';
import { OPTION_NAMES, resolveAuth, type VaultProviderOptions } from './options.js';
import { VaultPolicies } from './policies.js';
import { VaultSession } from './session.js';
import { deleteSecret, rollbackSecret, writeSecret } from './writes.js';

export type { VaultProviderOptions } from './options.js';

export const VAULT_CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: true,
  delete: true,
  list: true,
  versions: true,
  tags: true,
  expiry: true,
  batchGet: false,
});

/** HashiCorp Vault KV v2 through node-vault. */
export class VaultProvider implements SecretProvider {
  readonly kind = 'vault';
  readonly name: string;
  readonly capabilities = VAULT_CAPABILITIES;
  readonly address: string;
  readonly #session: VaultSession;
  readonly #dynamic: DynamicPaths;
  readonly #policies: VaultPolicies;
  readonly #location: VaultLocation;
  readonly #listConcurrency: number;

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
    const retry = {
      retries: options.retries ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      maxDelayMs: options.retryMaxDelayMs ?? 2_000,
    };
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
    const client = makeClient(auth.method === 'token' ? auth.token : undefined);
    const paths = kvPaths(options.mount ?? 'secret', options.pathPrefix ?? '');
    this.#session = new VaultSession({
      name: this.name,
      client,
      paths,
      retry,
      authenticator: (retrying) =>
        new VaultAuthenticator(client, makeClient(undefined), auth, {
          renewFraction,
          retrying,
          providerName: this.name,
        }),
    });
    this.#location = {
      address: this.address,
      ...(namespace ? { namespace } : {}),
      mount: options.mount ?? 'secret',
      pathPrefix: options.pathPrefix ?? '',
      auth,
    };
    const call = this.#session.call.bind(this.#session);
    this.#dynamic = new DynamicPaths(options.dynamic ?? [], client, call, this.name, options.now ?? Date.now);
    this.#policies = new VaultPolicies(client, call, paths);
  }

  async initialize(): Promise<void> {
    await this.#session.call('initialize', undefined, () => Promise.resolve());
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return this.#session.signal.run(options.abortSignal, async () => {
      validateSecretName(key);
      if (this.#dynamic.matches(key)) return options.version === undefined ? this.#dynamic.read(key) : null;
      let path = this.#session.paths.data(key);
      if (options.version !== undefined) {
        if (!/^[1-9]\d*$/.test(options.version)) return null;
        path += `?version=${options.version}`;
      }
      const answer = await this.#session.call<DataResponse | null>(
        'get',
        key,
        () => this.#session.client.read(path),
        { notFound: null },
      );
      return answer ? toSecret(key, answer, this.name) : null;
    });
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    return this.#session.signal.run(options.abortSignal, async () => {
      validateSecretName(key);
      if (this.#dynamic.matches(key)) this.#dynamic.refuse('set', key);
      return writeSecret(this.#session, key, value, options);
    });
  }

  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    return this.#session.signal.run(options.abortSignal, async () => {
      validateSecretName(key);
      if (this.#dynamic.matches(key)) this.#dynamic.refuse('rollback', key);
      return rollbackSecret(this.#session, key, version);
    });
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    return this.#session.signal.run(options.abortSignal, async () => {
      validateSecretName(key);
      if (this.#dynamic.matches(key)) this.#dynamic.refuse('delete', key);
      return deleteSecret(this.#session, key, options);
    });
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    return this.#session.signal.run(options.abortSignal, async () => {
      validateSecretName(key);
      if (this.#dynamic.matches(key)) return [];
      const metadata = await this.#session.readMetadata(key, 'listVersions');
      return metadata ? toVersions(metadata) : [];
    });
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return this.#session.signal.run(options.abortSignal, () =>
      listSecrets(this.#session, options, this.#listConcurrency),
    );
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    options.abortSignal?.throwIfAborted();
    try {
      // sys/health answers with a status code per state; node-vault resolves the body for all of them.
      const body = (await this.#session.client.health({ standbyok: true })) as {
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
    return this.#session.signal.run(options.abortSignal, () => this.#dynamic.renew(lease, options));
  }

  /** Revokes a lease now (`sys/leases/revoke`); an unknown lease is not an error. */
  async revokeLease(leaseId: string, options: ProviderCallOptions = {}): Promise<void> {
    return this.#session.signal.run(options.abortSignal, () => this.#dynamic.revoke(leaseId));
  }

  /** Revokes every lease under a path prefix (`sys/leases/revoke-prefix`); needs `sudo`. */
  async revokeLeasePrefix(prefix: string, options: ProviderCallOptions = {}): Promise<void> {
    const session = this.#session;
    return session.signal.run(options.abortSignal, () =>
      revokeLeasePrefix(session.client, session.call.bind(session), prefix),
    );
  }

  /** The leases under a prefix (default: the `dynamic` patterns'), with their times; needs `sudo`. */
  async listLeases(options: LeaseListOptions = {}): Promise<LeaseDescription[]> {
    return this.#session.signal.run(options.abortSignal, () => this.#dynamic.list(options));
  }

  /** Writes an ACL policy (`sys/policies/acl/<name>`); Vault refuses HCL that does not parse, saying where. */
  async putPolicy(name: string, document: string, options: ProviderCallOptions = {}): Promise<void> {
    return this.#session.signal.run(options.abortSignal, () => this.#policies.put(name, document));
  }

  /** An ACL policy's HCL; null when there is none. */
  async getPolicy(name: string, options: ProviderCallOptions = {}): Promise<string | null> {
    return this.#session.signal.run(options.abortSignal, () => this.#policies.get(name));
  }

  /** The ACL policies' names (`default` and `root` included, as Vault lists them). */
  async listPolicies(options: ProviderCallOptions = {}): Promise<string[]> {
    return this.#session.signal.run(options.abortSignal, () => this.#policies.list());
  }

  /** Deletes an ACL policy; false when there was none. */
  async deletePolicy(name: string, options: ProviderCallOptions = {}): Promise<boolean> {
    return this.#session.signal.run(options.abortSignal, () => this.#policies.delete(name));
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
    return { ...this.#session.counters, ...this.#session.auth.counters };
  }

  async dispose(): Promise<void> {
    this.#session.auth.dispose();
  }
}
