import { defaultAuditLog } from './audit-option.js';
import { BatchReader, dedupeFailures } from './batch.js';
import { SecretCache } from './cache.js';
import {
  DELETE_OPTIONS,
  GET_MANY_OPTIONS,
  GET_OPTIONS,
  LIST_OPTIONS,
  RESOLVE_OPTIONS,
  ROTATE_OPTIONS,
  SET_OPTIONS,
  VERSION_OPTIONS,
} from './call-options.js';
import { parseDuration } from './duration.js';
import {
  ConfigError,
  type ProviderFailure,
  ProviderUnavailableError,
  SecretNotFoundError,
  ValidationError,
} from './errors.js';
import { probe } from './health.js';
import { Hooks, type LiveEvent } from './hooks.js';
import { defaultSchedule, LeaseKeeper } from './leases.js';
import { listAcross, versionsAcross } from './listing.js';
import { checkManagerOptions } from './manager-options.js';
import { readMany } from './many.js';
import { Masker } from './masker.js';
import { MetricsRecorder } from './metrics.js';
import { splitFieldReference, validateSecretName } from './names.js';
import { OperationRunner, type Run } from './operation.js';
import { createPersistentCache, type PersistentCache } from './persistent.js';
import { keptPreviousVersion } from './previous.js';
import type { SecretProvider } from './provider.js';
import { ReadPath } from './reads.js';
import { extractField } from './references.js';
import { resolveInManager } from './resolve.js';
import { outcomeOfError } from './resolver.js';
import { ProviderChain } from './routing.js';
import { createSecret, type NamedSecretInfo, namedInfo, type Secret, type SecretVersion } from './secret.js';
import { isDefinitive, type ProviderSlot } from './slot.js';
import { CacheTiers } from './tiers.js';
import { refuseUnknownOptions } from './toolkit/options.js';
import { loadTracing } from './tracing.js';
import type {
  DeleteSecretOptions,
  GetSecretOptions,
  HealthStatus,
  ISecretManager,
  LeaseControl,
  ListSecretsOptions,
  ManagerPlugin,
  PersistentCacheControl,
  ResolveOptions,
  RotateSecretOptions,
  SecretManagerOptions,
  SecretMetrics,
  SetSecretOptions,
  VersionOptions,
} from './types.js';
import { WritePath } from './writes.js';

const DEFAULTS = {
  ttl: '5m',
  maxSize: 1000,
  staleIfError: 0,
  versionTtl: '1h',
  batchConcurrency: 8,
  providerTimeout: '30s',
};

/**
 * The one entry point applications use: providers in priority order with failover, a cache,
 * write routing, references, masking, metrics and hooks for audit and access control.
 */
export class SecretManager implements ISecretManager {
  /** Redacts every value this manager has served or written (used by `hush run`). */
  readonly masker: Masker;
  readonly #chain: ProviderChain;
  readonly #cache: SecretCache;
  readonly #reads: ReadPath;
  readonly #batch: BatchReader;
  readonly #writes: WritePath;
  readonly #hooks: Hooks;
  readonly #tiers: CacheTiers;
  readonly #leases: LeaseKeeper;
  readonly #persistent?: PersistentCache;
  readonly #unsubscribe: () => void;
  readonly #metrics = new MetricsRecorder();
  readonly #defaultsOnOutage: boolean;
  readonly #now: () => number;
  readonly #runner: OperationRunner;
  #ready?: Promise<void>;
  /** Plugins the options asked for that load in the background (`enableAuditLog`). */
  #pluginsReady: Promise<void> = Promise.resolve();
  #initialized = false;
  #disposed = false;

  constructor(options: SecretManagerOptions) {
    checkManagerOptions(options);
    this.masker = new Masker([], { maxValues: options?.masking?.maxValues });
    this.#chain = new ProviderChain(
      options,
      options?.providerTimeout ?? DEFAULTS.providerTimeout,
      this.#metrics,
      this.masker,
    );
    const cache = options.cache ?? {};
    this.#now = options.now ?? Date.now;
    this.#cache = new SecretCache({
      enabled: cache.enabled ?? true,
      ttlMs: parseDuration(cache.ttl ?? DEFAULTS.ttl),
      maxSize: cache.maxSize ?? DEFAULTS.maxSize,
      staleIfErrorMs: parseDuration(cache.staleIfError ?? DEFAULTS.staleIfError),
      versionTtlMs: parseDuration(cache.versionTtl ?? DEFAULTS.versionTtl),
      refreshAhead: refreshFraction(cache.refreshAhead),
      now: options.now ?? Date.now,
      onEvict: (secret) => this.masker.release(secret.value),
    });
    const plugins = [...(options.plugins ?? [])];
    if (options.enableAuditLog) {
      const audit = defaultAuditLog();
      this.#pluginsReady = audit.ready;
      plugins.push(audit);
    }
    if (options.auditLogCallback) plugins.push({ name: 'auditLogCallback', after: options.auditLogCallback });
    this.#hooks = new Hooks(plugins, options.now ?? Date.now);
    const concurrency = Math.max(1, options.batchConcurrency ?? DEFAULTS.batchConcurrency);
    this.#tiers = new CacheTiers(
      options.cacheTiers ?? [],
      options.environment ?? 'default',
      options.now ?? Date.now,
    );
    if (cache.persistent)
      this.#persistent = createPersistentCache(cache.persistent, {
        environment: options.environment ?? 'default',
        now: options.now ?? Date.now,
        warn: options.onWarning ?? ((message) => process.emitWarning(message, 'HushWarning')),
      });
    const persistent = this.#persistent;
    // A write elsewhere in the fleet: drop the copies here, and let no read in flight keep the old value.
    this.#unsubscribe = this.#tiers.subscribe((name) => {
      if (name === undefined) return this.#cache.writtenAll();
      this.#cache.written(name);
      void persistent?.forget(name);
    });
    this.#leases = new LeaseKeeper(
      {
        renewFraction: leaseFraction(options.leases?.renewFraction),
        now: options.now ?? Date.now,
        schedule: options.leases?.schedule ?? defaultSchedule,
      },
      this.masker,
    );
    this.#reads = new ReadPath(this.#chain, this.#cache, this.masker, this.#tiers, this.#leases, persistent);
    this.#batch = new BatchReader(
      this.#chain,
      this.#cache,
      this.masker,
      concurrency,
      this.#tiers,
      this.#leases,
      persistent,
    );
    this.#writes = new WritePath(this.#chain, this.#cache, this.masker, this.#tiers, persistent);
    this.#defaultsOnOutage = options.defaultsOnOutage ?? false;
    this.#runner = new OperationRunner(
      this.#hooks,
      this.#metrics,
      this.masker,
      {
        disposed: () => this.#disposed,
        initialized: () => this.#initialized,
        initialize: () => this.initialize(),
      },
      options.traceNames ?? false,
    );
    void loadTracing();
  }

  /** Provider names in the order reads ask them. */
  get providerNames(): string[] {
    return this.#chain.names;
  }

  /** Where writes go when no provider is pinned (undefined: the only writable provider). */
  get defaultWriteProvider(): string | undefined {
    return this.#chain.defaultWriteProvider;
  }

  getProvider(name: string): SecretProvider | undefined {
    return this.#chain.find(name)?.provider;
  }

  /** The leased (dynamic) secrets this manager holds: list, renew, revoke. */
  get leases(): LeaseControl {
    const keeper = this.#leases;
    return {
      list: () => keeper.list(),
      renew: (nameOrId) => keeper.renew(nameOrId),
      revoke: (nameOrId) => keeper.revoke(nameOrId),
      idle: () => keeper.idle(),
    };
  }

  /** True in offline mode: providers that need the network are never called. */
  get offline(): boolean {
    return this.#chain.offline;
  }

  /** The persistent tier (`cache.persistent`), for `hush cache status|clear`; undefined when not configured. */
  get persistentCache(): PersistentCacheControl | undefined {
    const persistent = this.#persistent;
    if (!persistent) return undefined;
    return { status: () => persistent.status(), clear: (name) => persistent.clear(name) };
  }

  /** Adds a cross-cutting plugin (audit, access control) after construction. */
  use(plugin: ManagerPlugin): this {
    this.#hooks.add(plugin);
    return this;
  }

  /**
   * Initialises every provider. A provider that fails to start is recorded as failing and
   * skipped by reads (failover); only when all fail does initialisation fail (unless a
   * persistent cache can answer). In offline mode the providers that need the network are not started.
   */
  initialize(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#pluginsReady;
      const failures: ProviderFailure[] = [];
      const reachable = this.#chain.slots.filter((slot) => !slot.unreachable);
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
      if (reachable.length > 0 && failures.length === reachable.length && !this.#persistent)
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
    if (plain && !this.#hooks.active && !this.#runner.traced) {
      // The hot path: a fresh cached plain read with no plugin builds no event, id, date or key.
      const timed = this.#metrics.timeNextHit();
      const started = timed ? performance.now() : 0;
      const hit = this.#reads.hit(key);
      if (hit !== undefined) {
        this.#metrics.cachedHit(timed ? performance.now() - started : undefined);
        return Promise.resolve(hit);
      }
    } else if (plain && this.#initialized) {
      const hit = this.#reads.hit(key);
      if (hit !== undefined) return this.#runner.serveCached(key, hit, options ?? {});
    }
    return this.#getSecret(key, options ?? {});
  }

  async #getSecret(key: string, options: GetSecretOptions): Promise<Secret | null> {
    const { name, field: fieldInName } = splitFieldReference(key);
    const field = options.field ?? fieldInName;
    const version = options.version === undefined ? undefined : String(options.version);
    const pin = this.#chain.canonical(options.provider);
    const fields = {
      key: name,
      provider: pin,
      accessor: options.accessor,
      scope: options.scope,
      version,
    };
    return this.#runner.run('get', fields, async ({ event }) => {
      validateSecretName(name);
      const { secret, cached } = options.previous
        ? await this.#readPrevious(name, version, pin, options.fresh ?? false)
        : await this.#reads.read(name, version, pin, options.fresh ?? false);
      if (event && cached) event.cached = true;
      if (secret && event) {
        const allowed = this.#hooks.beforeServe(event, secret);
        if (allowed) await allowed;
      }
      const found = secret && field !== undefined ? this.#withField(secret, field) : secret;
      if (!found) {
        if (event) event.outcome = 'not_found';
        if (options.required) throw new SecretNotFoundError(name, { version, field, provider: pin });
        return null;
      }
      if (event) event.provider = found.provider;
      return found;
    });
  }

  async getSecrets(
    keys: string[],
    options: Omit<GetSecretOptions, 'version' | 'field' | 'previous'> = {},
  ): Promise<Map<string, Secret | null>> {
    refuseUnknownOptions(options, GET_MANY_OPTIONS, 'getSecrets');
    for (const key of keys) validateSecretName(key);
    const unique = [...new Set(keys)];
    const pinned = { ...options, provider: this.#chain.canonical(options.provider) };
    const fields = {
      key: unique.join(','),
      provider: pinned.provider,
      accessor: options.accessor,
      scope: options.scope,
    };
    return this.#runner.run('getMany', fields, async () => {
      const outcomes = await readMany(this.#batch, this.#hooks, unique, pinned);
      const result = new Map<string, Secret | null>();
      const failures: ProviderFailure[] = [];
      let unavailable = 0;
      for (const key of unique) {
        const outcome = outcomes.get(key)!;
        if (outcome.kind === 'denied' || outcome.kind === 'error') throw outcome.error;
        if (outcome.kind === 'unavailable') {
          unavailable++;
          failures.push(...outcome.failures);
        } else if (outcome.kind === 'found') result.set(key, outcome.secret);
        else if (options.required) throw new SecretNotFoundError(key);
      }
      if (unavailable)
        throw new ProviderUnavailableError(
          `could not read ${unavailable} of ${unique.length} secrets`,
          dedupeFailures(failures),
        );
      return new Map(keys.map((key) => [key, result.get(key) ?? null]));
    });
  }

  async setSecret(key: string, value: string, options: SetSecretOptions = {}): Promise<NamedSecretInfo> {
    refuseUnknownOptions(options, SET_OPTIONS, 'setSecret');
    const fields = {
      key,
      provider: this.#chain.canonical(options.provider),
      accessor: options.actor,
      scope: options.scope,
    };
    return this.#runner.run('set', fields, async (run) => {
      run.protected.push(value);
      validateSecretName(key);
      const result = await this.#writes.set(
        key,
        value,
        options,
        (v) => run.protected.push(v),
        (slot) => this.#target(run, slot),
      );
      this.#changed(run, result.info!.version, result.change);
      return namedInfo(result.info!);
    });
  }

  async deleteSecret(key: string, options: DeleteSecretOptions = {}): Promise<void> {
    refuseUnknownOptions(options, DELETE_OPTIONS, 'deleteSecret');
    const fields = {
      key,
      provider: this.#chain.canonical(options.provider),
      accessor: options.actor,
      scope: options.scope,
    };
    return this.#runner.run('delete', fields, async (run) => {
      validateSecretName(key);
      const result = await this.#writes.delete(key, options, (slot) => this.#target(run, slot));
      if (!result.found) {
        if (run.event) run.event.outcome = 'not_found';
        throw new SecretNotFoundError(key, { provider: result.slot.name });
      }
      this.#changed(run, undefined, result.change);
    });
  }

  /** Every entry has its `name` (the same as `key`); sorted by name. */
  async listSecrets(options: string | ListSecretsOptions = {}): Promise<NamedSecretInfo[]> {
    const opts: ListSecretsOptions = typeof options === 'string' ? { prefix: options } : options;
    refuseUnknownOptions(opts, LIST_OPTIONS, 'listSecrets');
    const fields = {
      provider: this.#chain.canonical(opts.provider),
      accessor: opts.accessor,
      scope: opts.scope,
      pattern: opts.pattern ?? opts.prefix,
    };
    return this.#runner.run('list', fields, async ({ event }) => {
      let result = await listAcross(this.#chain, opts, this.#persistent?.lister());
      if (event) result = await this.#hooks.filterList(event, result);
      // Code-unit order: the same on every machine (a locale's collation is not), and no ICU
      // collator to load, which costs a short command more than the listing itself.
      return result.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(namedInfo);
    });
  }

  async rotateSecret(key: string, options: string | RotateSecretOptions = {}): Promise<NamedSecretInfo> {
    const opts: RotateSecretOptions = typeof options === 'string' ? { newValue: options } : options;
    refuseUnknownOptions(opts, ROTATE_OPTIONS, 'rotateSecret');
    const fields = {
      key,
      provider: this.#chain.canonical(opts.provider),
      accessor: opts.actor,
      scope: opts.scope,
    };
    return this.#runner.run('rotate', fields, async (run) => {
      if (opts.newValue !== undefined) run.protected.push(opts.newValue);
      validateSecretName(key);
      const result = await this.#writes.rotate(
        key,
        opts,
        (v) => run.protected.push(v),
        (slot) => this.#target(run, slot),
      );
      if (!result.found) {
        if (run.event) run.event.outcome = 'not_found';
        throw new SecretNotFoundError(key, { provider: result.slot.name });
      }
      this.#changed(run, result.info!.version, result.change);
      return namedInfo(result.info!);
    });
  }

  async getSecretVersion(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<Secret> {
    refuseUnknownOptions(options, VERSION_OPTIONS, 'getSecretVersion');
    const wanted = String(version);
    const pin = this.#chain.canonical(options.provider);
    const fields = {
      key,
      provider: pin,
      accessor: options.accessor,
      scope: options.scope,
      version: wanted,
    };
    return this.#runner.run('getVersion', fields, async ({ event }) => {
      validateSecretName(key);
      this.#chain.versionSlots(pin);
      const { secret, cached } = await this.#reads.read(key, wanted, pin, false);
      if (event && cached) event.cached = true;
      if (!secret) {
        if (event) event.outcome = 'not_found';
        throw new SecretNotFoundError(key, { version: wanted, provider: pin });
      }
      if (event) {
        const allowed = this.#hooks.beforeServe(event, secret);
        if (allowed) await allowed;
        event.provider = secret.provider;
      }
      return secret;
    });
  }

  async getSecretVersions(key: string, options: VersionOptions = {}): Promise<SecretVersion[]> {
    refuseUnknownOptions(options, VERSION_OPTIONS, 'getSecretVersions');
    const fields = {
      key,
      provider: this.#chain.canonical(options.provider),
      accessor: options.accessor,
      scope: options.scope,
    };
    return this.#runner.run('listVersions', fields, async ({ event }) => {
      validateSecretName(key);
      const found = await versionsAcross(this.#chain, key, options.provider);
      if (found) {
        if (event) event.provider = found.provider;
        return found.versions;
      }
      if (event) event.outcome = 'not_found';
      throw new SecretNotFoundError(key);
    });
  }

  async rollbackSecret(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<NamedSecretInfo> {
    refuseUnknownOptions(options, VERSION_OPTIONS, 'rollbackSecret');
    const target = String(version);
    const accessor = options.actor ?? options.accessor;
    const fields = {
      key,
      provider: this.#chain.canonical(options.provider),
      accessor,
      scope: options.scope,
      version: target,
    };
    return this.#runner.run('rollback', fields, async (run) => {
      validateSecretName(key);
      const result = await this.#writes.rollback(
        key,
        target,
        options.provider,
        (slot) => this.#target(run, slot),
        options.expiresAt,
      );
      if (!result.found) {
        if (run.event) run.event.outcome = 'not_found';
        throw new SecretNotFoundError(key, { version: target, provider: result.slot.name });
      }
      this.#changed(run, undefined, result.change);
      return namedInfo(result.info!);
    });
  }

  /**
   * Replaces `${secret:...}` references in any string, object or array. The distinct names are
   * read at once through the batch path. A default applies only to a secret that does not
   * exist: a denied reference fails, and so does one that no provider could answer (unless
   * `defaultsOnOutage`).
   */
  async resolve<T>(value: T, options: ResolveOptions = {}): Promise<T> {
    refuseUnknownOptions(options, RESOLVE_OPTIONS, 'resolve');
    const pinned = { ...options, provider: this.#chain.canonical(options.provider) };
    const fields = { accessor: options.accessor, provider: pinned.provider, scope: options.scope };
    return this.#runner.run('resolve', fields, () =>
      resolveInManager(value, {
        batch: this.#batch,
        hooks: this.#hooks,
        masker: this.masker,
        options: pinned,
        defaultsOnOutage: options.defaultsOnOutage ?? this.#defaultsOnOutage,
        previous: async (name) => {
          try {
            const { provider, accessor, scope } = options;
            const secret = await this.getSecret(name, { previous: true, provider, accessor, scope });
            return secret ? { kind: 'value', value: secret.value } : { kind: 'missing' };
          } catch (error) {
            return outcomeOfError(error);
          }
        },
      }),
    );
  }

  async healthCheck(): Promise<HealthStatus> {
    const providers = await Promise.all(this.#chain.slots.map((slot) => probe(slot, this.masker)));
    const healthy = providers.filter((p) => p.status === 'healthy').length;
    const down = providers.filter((p) => p.status === 'unhealthy').length;
    const status =
      down === providers.length ? 'unhealthy' : healthy === providers.length ? 'healthy' : 'degraded';
    return { status, checkedAt: new Date(), providers };
  }

  async getMetrics(): Promise<SecretMetrics> {
    return {
      operations: this.#metrics.operations(),
      providers: this.#metrics.providers(
        this.providerNames,
        (name) => this.getProvider(name)?.metrics?.() ?? {},
      ),
      cache: {
        ...MetricsRecorder.cache(this.#cache.counts, this.#cache.size),
        ...(this.#tiers.none ? {} : { tiers: this.#tiers.metrics() }),
        ...(this.#persistent ? { persistent: { ...this.#persistent.counts } } : {}),
      },
      masking: { values: this.masker.size, dropped: this.masker.dropped },
      ...(this.#leases.size || this.#leases.counts.renewals
        ? { leases: { held: this.#leases.size, ...this.#leases.counts } }
        : {}),
      plugins: this.#hooks.metrics(),
    };
  }

  /** Aborts the provider calls in flight, then releases providers and plugins. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#leases.dispose();
    for (const slot of this.#chain.slots) slot.abort();
    this.#unsubscribe();
    this.#cache.clear();
    await this.#persistent?.flush();
    await this.#tiers.dispose();
    await this.#hooks.dispose();
    await Promise.allSettled(this.#chain.slots.map((slot) => slot.provider.dispose?.()));
  }

  /**
   * Takes over the fresh cache entries of `previous` that the named providers served: a reload
   * that left those providers (and every provider before them in the chain) unchanged keeps
   * their cache. Returns how many entries were kept.
   */
  adoptCache(previous: SecretManager, providers: Iterable<string>): number {
    const wanted = new Set(providers);
    let kept = 0;
    for (const entry of previous.#cache.entries()) {
      if (!wanted.has(entry.secret.provider) || !this.#chain.find(entry.secret.provider)) continue;
      const stored = this.#cache.store(
        entry.key,
        entry.name,
        entry.secret,
        this.#cache.generation(entry.name),
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

  // --- internals -----------------------------------------------------------------------

  /** The version a rotation kept readable (`keepPrevious`), while its grace period lasts. */
  async #readPrevious(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    fresh: boolean,
  ): Promise<{ secret: Secret | null; cached: boolean }> {
    if (version !== undefined) throw new ValidationError('give previous or version, not both');
    const current = await this.#reads.read(name, undefined, pin, fresh);
    const kept = current.secret ? keptPreviousVersion(current.secret, this.#now()) : undefined;
    if (!current.secret || kept === undefined) return { secret: null, cached: current.cached };
    return this.#reads.read(name, kept, current.secret.provider, false);
  }

  #withField(secret: Secret, field: string): Secret | null {
    const value = extractField(secret.value, field);
    if (value === undefined) return null;
    this.masker.add(value);
    return createSecret({ ...secret.toInfo(), key: `${secret.key}#${field}`, value });
  }

  #target(run: Run, slot: ProviderSlot): void {
    if (run.event) run.event.provider = slot.name;
  }

  #changed(run: Run, version: string | undefined, change: LiveEvent['change']): void {
    if (!run.event) return;
    if (version !== undefined) run.event.version = version;
    if (change) run.event.change = change;
  }
}

/** `leases.renewFraction` as a fraction in (0, 1). */
function leaseFraction(value: number | undefined): number {
  if (value === undefined) return 2 / 3;
  if (typeof value !== 'number' || !(value > 0 && value < 1))
    throw new ConfigError('expected a fraction of the lease above 0 and below 1 (2/3 by default)', {
      path: 'leases.renewFraction',
    });
  return value;
}

/** `cache.refreshAhead` as a fraction in [0, 1). */
function refreshFraction(value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value < 1))
    throw new ConfigError('expected a fraction of the TTL from 0 to below 1 (0.2: the last 20%)', {
      path: 'cache.refreshAhead',
    });
  return value;
}
