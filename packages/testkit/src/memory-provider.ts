import { setTimeout as sleep } from 'node:timers/promises';
import {
  createSecret,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  UnsupportedOperationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';

export interface MemoryProviderOptions {
  name?: string;
  /** Refuse writes, as `env` does. */
  readOnly?: boolean;
  /** Declare batch get (getMany answers in one call). */
  batchGet?: boolean;
  /** Versions kept per secret (default 10). */
  maxVersions?: number;
  /** Initial contents. */
  secrets?: Record<string, string>;
}

/** Faults for failover tests in applications. */
export interface MemoryFaults {
  /** Every call fails as an unreachable backend would. */
  outage?: boolean;
  /** Added to every call. */
  latencyMs?: number;
}

interface StoredVersion {
  version: number;
  value: string;
  createdAt: Date;
  expiresAt?: Date;
  state: 'enabled' | 'deleted';
}

interface StoredSecret {
  versions: StoredVersion[];
  current: number;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  scope?: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A complete provider that keeps secrets in memory: every capability, versions, tags and
 * expiry, plus call counters and injectable faults. Made for application unit tests.
 */
export class MemoryProvider implements SecretProvider {
  readonly name: string;
  readonly kind = 'memory';
  readonly capabilities: ProviderCapabilities;
  /** Calls received, by method name. */
  readonly calls: Record<string, number> = {};
  faults: MemoryFaults = {};
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #maxVersions: number;

  constructor(options: MemoryProviderOptions = {}) {
    this.name = options.name ?? 'memory';
    const writable = !options.readOnly;
    this.capabilities = {
      write: writable,
      delete: writable,
      list: true,
      versions: writable,
      tags: writable,
      expiry: writable,
      batchGet: options.batchGet ?? false,
    };
    this.#maxVersions = options.maxVersions ?? 10;
    for (const [key, value] of Object.entries(options.secrets ?? {})) this.#write(key, value, {});
  }

  /** Plants a value regardless of read-only mode (test setup). */
  seed(entries: Record<string, string>): void {
    for (const [key, value] of Object.entries(entries)) this.#write(key, value, {});
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    await this.#enter('get', options.abortSignal);
    validateSecretName(key);
    const stored = this.#secrets.get(key);
    if (!stored) return null;
    const wanted = options.version === undefined ? stored.current : Number(options.version);
    const version = stored.versions.find((v) => v.version === wanted && v.state === 'enabled');
    return version ? this.#toSecret(key, stored, version) : null;
  }

  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    await this.#enter('getMany', options.abortSignal);
    const result = new Map<string, Secret | null>();
    for (const key of keys) {
      validateSecretName(key);
      const stored = this.#secrets.get(key);
      const version = stored?.versions.find((v) => v.version === stored.current);
      result.set(key, stored && version ? this.#toSecret(key, stored, version) : null);
    }
    return result;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    await this.#enter('set', options.abortSignal);
    this.#assertWritable('write');
    validateSecretName(key);
    const existing = this.#secrets.get(key);
    if (options.expectedVersion !== undefined && options.expectedVersion !== String(existing?.current ?? 0))
      throw new VersionConflictError(key);
    const stored = this.#write(key, value, options);
    return this.#toSecret(key, stored, stored.versions.at(-1)!).toInfo();
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    await this.#enter('delete', options.abortSignal);
    this.#assertWritable('delete');
    validateSecretName(key);
    return this.#secrets.delete(key);
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    await this.#enter('list', options.abortSignal);
    const out: SecretInfo[] = [];
    for (const [key, stored] of [...this.#secrets].sort(([a], [b]) => a.localeCompare(b))) {
      if (options.prefix && !key.startsWith(options.prefix)) continue;
      const version = stored.versions.find((v) => v.version === stored.current)!;
      out.push(this.#toSecret(key, stored, version).toInfo());
    }
    return out;
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    await this.#enter('listVersions', options.abortSignal);
    this.#assertWritable('versions');
    validateSecretName(key);
    const stored = this.#secrets.get(key);
    if (!stored) return [];
    return stored.versions.map((v) => ({
      version: String(v.version),
      createdAt: v.createdAt,
      ...(v.expiresAt ? { expiresAt: v.expiresAt } : {}),
      current: v.version === stored.current,
      state: v.state,
    }));
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    await this.#enter('health', options.abortSignal);
    return { status: 'healthy', details: { secrets: this.#secrets.size } };
  }

  async #enter(method: string, signal: AbortSignal | undefined): Promise<void> {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    signal?.throwIfAborted();
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs, undefined, { signal });
    if (this.faults.outage)
      throw new ProviderUnavailableError(`provider '${this.name}' is unavailable`, [
        { provider: this.name, code: 'OUTAGE', message: 'injected outage' },
      ]);
  }

  #assertWritable(operation: string): void {
    if (!this.capabilities.write)
      throw new UnsupportedOperationError(this.name, operation, `provider '${this.name}' is read-only`);
  }

  #write(key: string, value: string, options: ProviderSetOptions): StoredSecret {
    const now = new Date();
    const stored: StoredSecret = this.#secrets.get(key) ?? {
      versions: [],
      current: 0,
      tags: {},
      metadata: {},
      createdAt: now,
      updatedAt: now,
    };
    const next = (stored.versions.at(-1)?.version ?? 0) + 1;
    if (options.expirePreviousVersions)
      for (const v of stored.versions) if (!v.expiresAt || v.expiresAt > now) v.expiresAt = now;
    stored.versions.push({
      version: next,
      value,
      createdAt: now,
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      state: 'enabled',
    });
    while (stored.versions.length > this.#maxVersions) stored.versions.shift();
    stored.current = next;
    stored.updatedAt = now;
    if (options.tags) stored.tags = { ...options.tags };
    if (options.metadata) stored.metadata = { ...options.metadata };
    if (options.scope !== undefined) stored.scope = options.scope;
    this.#secrets.set(key, stored);
    return stored;
  }

  #toSecret(key: string, stored: StoredSecret, version: StoredVersion): Secret {
    return createSecret({
      key,
      value: version.value,
      version: String(version.version),
      createdAt: stored.createdAt,
      updatedAt: version.createdAt,
      ...(version.expiresAt ? { expiresAt: version.expiresAt } : {}),
      tags: stored.tags,
      metadata: stored.metadata,
      provider: this.name,
      ...(stored.scope !== undefined ? { scope: stored.scope } : {}),
    });
  }
}
