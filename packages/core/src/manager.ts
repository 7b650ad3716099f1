import { GET_OPTIONS } from './call-options.js';
import type { LeaseControl, PersistentCacheControl } from './controls.js';
import { type ProviderFailure, ProviderUnavailableError } from './errors.js';
import type { ManagerPlugin } from './events.js';
import { probe } from './health.js';
import { leanRead } from './lean-read.js';
import type { SecretManagerOptions } from './manager-options.js';
import { assembleManager, type ManagerParts } from './manager-parts.js';
import {
  listSecrets,
  readSecret,
  readSecrets,
  readVersion,
  readVersions,
  resolveReferences,
} from './manager-reads.js';
import { deleteSecret, rollbackSecret, rotateSecret, writeSecret } from './manager-writes.js';
import type { Masker } from './masker.js';
import { MetricsRecorder } from './metrics.js';
import { monotonicMs } from './monotonic.js';
import { isValidSecretName } from './names.js';
import type { SecretProvider } from './provider.js';
import type { HealthStatus, SecretMetrics } from './reports.js';
import type { NamedSecretInfo, Secret, SecretVersion } from './secret.js';
import { isDefinitive } from './slot.js';
import { refuseUnknownOptions } from './toolkit/options.js';
import { loadTracing, tracingSettled } from './tracing.js';
import type {
  DeleteSecretOptions,
  GetSecretOptions,
  ISecretManager,
  ListSecretsOptions,
  ResolveOptions,
  RotateSecretOptions,
  SetSecretOptions,
  VersionOptions,
} from './types.js';

/**
 * The one entry point applications use: providers in priority order with failover, a cache,
 * write routing, references, masking, metrics and hooks for audit and access control.
 */
export class SecretManager implements ISecretManager {
  /** Redacts every value this manager has served or written (used by `hush run`). */
  readonly masker: Masker;
  readonly #parts: ManagerParts;
  #ready?: Promise<void>;
  #initialized = false;
  #disposed = false;

  constructor(options: SecretManagerOptions) {
    this.#parts = assembleManager(options, {
      disposed: () => this.#disposed,
      initialized: () => this.#initialized,
      initialize: () => this.initialize(),
    });
    this.masker = this.#parts.masker;
    void loadTracing();
  }

  /** Provider names in the order reads ask them. */
  get providerNames(): string[] {
    return this.#parts.chain.names;
  }

  /** Where writes go when no provider is pinned (undefined: the only writable provider). */
  get defaultWriteProvider(): string | undefined {
    return this.#parts.chain.defaultWriteProvider;
  }

  getProvider(name: string): SecretProvider | undefined {
    return this.#parts.chain.find(name)?.provider;
  }

  /** The leased (dynamic) secrets this manager holds: list, renew, revoke. */
  get leases(): LeaseControl {
    const keeper = this.#parts.leases;
    return {
      list: () => keeper.list(),
      renew: (nameOrId) => keeper.renew(nameOrId),
      revoke: (nameOrId) => keeper.revoke(nameOrId),
      idle: () => keeper.idle(),
    };
  }

  /** True in offline mode: providers that need the network are never called. */
  get offline(): boolean {
    return this.#parts.chain.offline;
  }

  /** The persistent tier (`cache.persistent`), for `hush cache status|clear`; undefined when not configured. */
  get persistentCache(): PersistentCacheControl | undefined {
    const persistent = this.#parts.persistent;
    if (!persistent) return undefined;
    return { status: () => persistent.status(), clear: (name) => persistent.clear(name) };
  }

  /** Adds a cross-cutting plugin (audit, access control) after construction. */
  use(plugin: ManagerPlugin): this {
    this.#parts.hooks.add(plugin);
    return this;
  }

  /**
   * Initialises every provider. A provider that fails to start is recorded as failing and
   * skipped by reads (failover); only when all fail does initialisation fail (unless a
   * persistent cache can answer). In offline mode the providers that need the network are not started.
   */
  initialize(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#parts.pluginsReady;
      const failures: ProviderFailure[] = [];
      const reachable = this.#parts.chain.slots.filter((slot) => !slot.unreachable);
      await Promise.all(
        reachable.map(async (slot) => {
          try {
            await slot.ready();
          } catch (error) {
            if (isDefinitive(error) && !(error instanceof ProviderUnavailableError)) throw error;
            failures.push(slot.markFailure(error));
          }
        }),
      );
      // With a persistent cache, reads can still be served: each provider is started again on its next call.
      if (reachable.length > 0 && failures.length === reachable.length && !this.#parts.persistent)
        throw new ProviderUnavailableError('no provider could be initialised', failures);
      this.#initialized = true;
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  /** With `required: true` a missing secret throws `SecretNotFoundError`, so the result is a `Secret`. */
  getSecret(key: string, options: GetSecretOptions & { required: true }): Promise<Secret>;
  /** The secret, or null when no provider has it (the first provider in priority order that has it answers). */
  getSecret(key: string, options?: GetSecretOptions): Promise<Secret | null>;
  getSecret(key: string, options?: GetSecretOptions): Promise<Secret | null> {
    if (options !== undefined)
      try {
        refuseUnknownOptions(options, GET_OPTIONS, 'getSecret');
      } catch (error) {
        return Promise.reject(error);
      }
    const plain =
      !this.#disposed &&
      (options === undefined ||
        (options.provider === undefined &&
          options.version === undefined &&
          options.field === undefined &&
          !options.previous &&
          !options.fresh));
    const { hooks, runner, reads } = this.#parts;
    if (plain && !hooks.active && !runner.traced) {
      // The hot path: a fresh cached plain read with no plugin builds no event, id, date or key.
      const { metrics } = this.#parts;
      const timed = metrics.timeNextHit();
      const started = timed ? monotonicMs() : 0;
      const hit = reads.hit(key);
      if (hit !== undefined) {
        metrics.cachedHit(timed ? monotonicMs() - started : undefined);
        return Promise.resolve(hit);
      }
      // A miss answered by a provider that is never cached (an agent) skips the read path's layers.
      const slot =
        this.#initialized && tracingSettled() && isPlainName(key) ? reads.leanSlot(key) : undefined;
      if (slot) return leanRead(this.#parts, key, slot, options ?? {});
    } else if (plain && this.#initialized) {
      const hit = reads.hit(key);
      if (hit !== undefined) return runner.serveCached(key, hit, options ?? {});
    }
    return readSecret(this.#parts, key, options ?? {});
  }

  async getSecrets(
    keys: string[],
    options: Omit<GetSecretOptions, 'version' | 'field' | 'previous'> = {},
  ): Promise<Map<string, Secret | null>> {
    return readSecrets(this.#parts, keys, options);
  }

  async setSecret(key: string, value: string, options: SetSecretOptions = {}): Promise<NamedSecretInfo> {
    return writeSecret(this.#parts, key, value, options);
  }

  async deleteSecret(key: string, options: DeleteSecretOptions = {}): Promise<void> {
    return deleteSecret(this.#parts, key, options);
  }

  /** Every entry has its `name` (the same as `key`); sorted by name. */
  async listSecrets(options: string | ListSecretsOptions = {}): Promise<NamedSecretInfo[]> {
    return listSecrets(this.#parts, typeof options === 'string' ? { prefix: options } : options);
  }

  async rotateSecret(key: string, options: string | RotateSecretOptions = {}): Promise<NamedSecretInfo> {
    return rotateSecret(this.#parts, key, typeof options === 'string' ? { newValue: options } : options);
  }

  async getSecretVersion(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<Secret> {
    return readVersion(this.#parts, key, version, options);
  }

  async getSecretVersions(key: string, options: VersionOptions = {}): Promise<SecretVersion[]> {
    return readVersions(this.#parts, key, options);
  }

  async rollbackSecret(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<NamedSecretInfo> {
    return rollbackSecret(this.#parts, key, version, options);
  }

  /**
   * Replaces `${secret:...}` references in any string, object or array. The distinct names are
   * read at once through the batch path. A default applies only to a secret that does not
   * exist: a denied reference fails, and so does one that no provider could answer (unless
   * `defaultsOnOutage`).
   */
  async resolve<T>(value: T, options: ResolveOptions = {}): Promise<T> {
    return resolveReferences(this.#parts, value, options, (name, get) => this.getSecret(name, get));
  }

  async healthCheck(): Promise<HealthStatus> {
    const providers = await Promise.all(this.#parts.chain.slots.map((slot) => probe(slot, this.masker)));
    const healthy = providers.filter((p) => p.status === 'healthy').length;
    const down = providers.filter((p) => p.status === 'unhealthy').length;
    const status =
      down === providers.length ? 'unhealthy' : healthy === providers.length ? 'healthy' : 'degraded';
    return { status, checkedAt: new Date(), providers };
  }

  async getMetrics(): Promise<SecretMetrics> {
    return {
      operations: this.#parts.metrics.operations(),
      providers: this.#parts.metrics.providers(
        this.providerNames,
        (name) => this.getProvider(name)?.metrics?.() ?? {},
      ),
      cache: {
        ...MetricsRecorder.cache(this.#parts.cache.counts, this.#parts.cache.size),
        ...(this.#parts.tiers.none ? {} : { tiers: this.#parts.tiers.metrics() }),
        ...(this.#parts.persistent ? { persistent: { ...this.#parts.persistent.counts } } : {}),
      },
      masking: { values: this.masker.size, dropped: this.masker.dropped },
      ...(this.#parts.leases.size || this.#parts.leases.counts.renewals
        ? { leases: { held: this.#parts.leases.size, ...this.#parts.leases.counts } }
        : {}),
      plugins: this.#parts.hooks.metrics(),
    };
  }

  /** Aborts the provider calls in flight, then releases providers and plugins. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#parts.leases.dispose();
    for (const slot of this.#parts.chain.slots) slot.abort();
    this.#parts.unsubscribe();
    this.#parts.cache.clear();
    await this.#parts.persistent?.flush();
    await this.#parts.tiers.dispose();
    await this.#parts.hooks.dispose();
    await Promise.allSettled(this.#parts.chain.slots.map((slot) => slot.provider.dispose?.()));
  }

  /**
   * Takes over the fresh cache entries of `previous` that the named providers served: a reload
   * that left those providers (and every provider before them in the chain) unchanged keeps
   * their cache. Returns how many entries were kept.
   */
  adoptCache(previous: SecretManager, providers: Iterable<string>): number {
    const wanted = new Set(providers);
    let kept = 0;
    for (const entry of previous.#parts.cache.entries()) {
      if (!wanted.has(entry.secret.provider) || !this.#parts.chain.find(entry.secret.provider)) continue;
      const stored = this.#parts.cache.store(
        entry.key,
        entry.name,
        entry.secret,
        this.#parts.cache.generation(entry.name),
        entry.version !== undefined,
        entry.remainingMs,
        entry.version,
        entry.pin,
      );
      if (!stored) continue;
      this.masker.add(entry.secret.value, { pinned: true });
      kept++;
    }
    return kept;
  }

  // --- short names ----------------------------------------------------------

  /** Same as `getSecret`. */
  get(key: string, options: GetSecretOptions & { required: true }): Promise<Secret>;
  get(key: string, options?: GetSecretOptions): Promise<Secret | null>;
  get(key: string, options?: GetSecretOptions): Promise<Secret | null> {
    return this.getSecret(key, options);
  }

  /** Same as `setSecret`. */
  set(key: string, value: string, options?: SetSecretOptions): Promise<NamedSecretInfo> {
    return this.setSecret(key, value, options);
  }

  /** Same as `rotateSecret`. */
  rotate(key: string, options?: string | RotateSecretOptions): Promise<NamedSecretInfo> {
    return this.rotateSecret(key, options);
  }

  /** Same as `listSecrets`. */
  list(options?: string | ListSecretsOptions): Promise<NamedSecretInfo[]> {
    return this.listSecrets(options);
  }

  /** Same as `resolve`. */
  substituteSecrets<T>(value: T, options?: ResolveOptions): Promise<T> {
    return this.resolve(value, options);
  }
}

/** A valid name with no `#field`: what a lean read may ask for as it is. */
function isPlainName(key: string): boolean {
  return !key.includes('#') && isValidSecretName(key);
}
