import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  ConfigError,
  type ExternalSecretsBackend,
  mapConcurrent,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
} from '@hush/core';
import { Code, type NameMapping, toHushError, toSecretId } from './mapping.js';
import { checkOptions, clientOptionsOf, type GcpProviderOptions, OPTION_NAMES } from './options.js';
import { BATCH_CONCURRENCY, listSecrets, readSecret } from './reads.js';
import { GcpSession } from './session.js';
import { changeVersion, listSecretVersions } from './versions.js';
import { deleteSecret, writeSecret } from './writes.js';

export type { GcpProviderOptions } from './options.js';

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: true,
  delete: true,
  list: true,
  versions: true,
  tags: true,
  expiry: true,
  batchGet: true,
});

/** GCP Secret Manager through the official client, over gRPC. */
export class GcpSecretManagerProvider implements SecretProvider {
  readonly kind = 'gcp';
  readonly name: string;
  readonly capabilities = CAPABILITIES;
  readonly #session: GcpSession;

  constructor(options: GcpProviderOptions = {}, env: Record<string, string | undefined> = process.env) {
    refuseUnknownOptions(options, OPTION_NAMES, 'gcp provider', 'config');
    checkOptions(options);
    this.name = options.name ?? 'gcp';
    const mapping: NameMapping = options.nameMapping ?? 'escape';
    if (mapping !== 'escape' && mapping !== 'plain')
      throw new ConfigError(`nameMapping must be 'escape' or 'plain', not '${String(mapping)}'`, {
        path: 'nameMapping',
      });
    this.#session = new GcpSession({
      name: this.name,
      mapping,
      timeout: options.timeout ?? 10_000,
      maxAttempts: options.maxAttempts ?? 3,
      verifyChecksums: options.verifyChecksums ?? true,
      project: options.project ?? env.GOOGLE_CLOUD_PROJECT ?? undefined,
      client: options.client ?? new SecretManagerServiceClient(clientOptionsOf(options)),
    });
  }

  /** The project secrets live in (resolved from ADC when neither the option nor GOOGLE_CLOUD_PROJECT gives one). */
  async project(): Promise<string> {
    return this.#session.project();
  }

  async initialize(): Promise<void> {
    await this.project();
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return readSecret(this.#session, key, options);
  }

  /** A few reads at a time, so that a large batch does not open hundreds of calls at once. */
  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    const distinct = [...new Set(keys)];
    const secrets = await mapConcurrent(distinct, BATCH_CONCURRENCY, (key) =>
      this.get(key, options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    );
    return new Map(distinct.map((key, i) => [key, secrets[i] ?? null]));
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    return writeSecret(this.#session, key, value, options);
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    return deleteSecret(this.#session, key, options);
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return listSecrets(this.#session, options);
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    return listSecretVersions(this.#session, key, options);
  }

  /** Reads `version` and writes its value as a new version (the old one stays in the history). */
  async rollback(key: string, version: string): Promise<SecretInfo> {
    const old = await this.get(key, { version });
    if (!old)
      throw toHushError({ code: Code.NOT_FOUND }, { provider: this.name, key, operation: 'roll back' });
    return this.set(key, old.value);
  }

  /** Makes a version unreadable until enabled again. */
  async disableVersion(key: string, version: string): Promise<SecretVersion> {
    return changeVersion(this.#session, key, version, 'disable');
  }

  async enableVersion(key: string, version: string): Promise<SecretVersion> {
    return changeVersion(this.#session, key, version, 'enable');
  }

  /** Irrevocably discards a version's data; the version number stays in the history as destroyed. */
  async destroyVersion(key: string, version: string): Promise<SecretVersion> {
    return changeVersion(this.#session, key, version, 'destroy');
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const signal = options.abortSignal;
    const started = Date.now();
    try {
      const project = await this.project();
      await this.#session.call('list', undefined, signal, (rpc) =>
        rpc.listSecrets(
          { parent: `projects/${project}`, pageSize: 1 },
          { ...this.#session.callOptions(), autoPaginate: false },
        ),
      );
      return { status: 'healthy', details: { project, latencyMs: Date.now() - started } };
    } catch (error) {
      return {
        status: 'unhealthy',
        message: toHushError(error, { provider: this.name, operation: 'list' }).message,
      };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#session.counters };
  }

  /** External Secrets Operator's GCP Secret Manager provider for this project (workload identity); ids as mapped here. */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    const projectID = await this.project();
    return {
      provider: { gcpsm: { projectID } },
      remoteRef: (name) => ({ key: toSecretId(name, this.#session.mapping) }),
    };
  }

  async dispose(): Promise<void> {
    await this.#session.client.close();
  }
}
