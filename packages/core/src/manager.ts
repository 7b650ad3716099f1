import { randomUUID } from 'node:crypto';
import { SecretCache } from './cache.js';
import { parseDuration, parseExpiry } from './duration.js';
import {
  ConfigError,
  HushError,
  type ProviderFailure,
  ProviderUnavailableError,
  SecretNotFoundError,
  UnsupportedOperationError,
  ValidationError,
} from './errors.js';
import { generateSecretValue } from './generators.js';
import { matchesGlob } from './glob.js';
import { Masker } from './masker.js';
import { MetricsRecorder } from './metrics.js';
import { splitFieldReference, validateSecretName } from './names.js';
import type { ProviderCapabilities, SecretProvider } from './provider.js';
import { extractField } from './references.js';
import { resolveReferences } from './resolver.js';
import { createSecret, isExpired, type Secret, type SecretInfo, type SecretVersion } from './secret.js';
import { describeFailure, isDefinitive, ProviderSlot } from './slot.js';
import { normalizeTags, tagsMatch } from './tags.js';
import type {
  DeleteSecretOptions,
  GetSecretOptions,
  HealthStatus,
  ISecretManager,
  ListSecretsOptions,
  ManagerPlugin,
  Operation,
  OperationContext,
  OperationEvent,
  ProviderHealthReport,
  ResolveOptions,
  RotateSecretOptions,
  SecretManagerOptions,
  SecretMetrics,
  SetSecretOptions,
  VersionOptions,
} from './types.js';

/** An operation's event while it runs: the work fills in outcome, provider, version. */
type LiveEvent = OperationContext & Partial<Pick<OperationEvent, 'outcome' | 'errorCode' | 'cached'>>;

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
  readonly masker = new Masker();
  readonly #slots: ProviderSlot[];
  readonly #cache: SecretCache;
  readonly #plugins: ManagerPlugin[];
  readonly #metrics = new MetricsRecorder();
  readonly #inflight = new Map<string, Promise<Secret | null>>();
  readonly #defaultWriteProvider?: string;
  readonly #batchConcurrency: number;
  #ready?: Promise<void>;
  #disposed = false;

  constructor(options: SecretManagerOptions) {
    if (!options || !Array.isArray(options.providers) || options.providers.length === 0)
      throw new ConfigError('a secret manager needs at least one provider', { path: 'providers' });
    const timeout = options.providerTimeout ?? DEFAULTS.providerTimeout;
    this.#slots = options.providers
      .map(
        (registration, order) => new ProviderSlot(registration, order, timeout, this.#metrics, this.masker),
      )
      .sort((a, b) => (a.priority === b.priority ? a.order - b.order : b.priority - a.priority));
    const names = new Set<string>();
    for (const slot of this.#slots) {
      if (names.has(slot.name))
        throw new ConfigError(`two providers are named '${slot.name}'`, {
          path: 'providers',
          hint: 'give each provider a distinct name',
        });
      names.add(slot.name);
    }
    if (options.defaultWriteProvider !== undefined && !names.has(options.defaultWriteProvider))
      throw new ConfigError(
        `defaultWriteProvider '${options.defaultWriteProvider}' is not one of the providers (${[...names].join(', ')})`,
        { path: 'defaultWriteProvider' },
      );
    this.#defaultWriteProvider = options.defaultWriteProvider;
    const cache = options.cache ?? {};
    this.#cache = new SecretCache({
      enabled: cache.enabled ?? true,
      ttlMs: parseDuration(cache.ttl ?? DEFAULTS.ttl),
      maxSize: cache.maxSize ?? DEFAULTS.maxSize,
      staleIfErrorMs: parseDuration(cache.staleIfError ?? DEFAULTS.staleIfError),
      versionTtlMs: parseDuration(cache.versionTtl ?? DEFAULTS.versionTtl),
    });
    this.#plugins = [...(options.plugins ?? [])];
    if (options.auditLogCallback)
      this.#plugins.push({ name: 'auditLogCallback', after: options.auditLogCallback });
    this.#batchConcurrency = Math.max(1, options.batchConcurrency ?? DEFAULTS.batchConcurrency);
  }

  /** Provider names in the order reads ask them. */
  get providerNames(): string[] {
    return this.#slots.map((slot) => slot.name);
  }

  /** Where writes go when no provider is pinned (undefined: the only writable provider). */
  get defaultWriteProvider(): string | undefined {
    return this.#defaultWriteProvider;
  }

  getProvider(name: string): SecretProvider | undefined {
    return this.#slots.find((slot) => slot.name === name)?.provider;
  }

  /** Adds a cross-cutting plugin (audit, access control) after construction. */
  use(plugin: ManagerPlugin): this {
    this.#plugins.push(plugin);
    return this;
  }

  /**
   * Initialises every provider. A provider that fails to start is recorded as failing and
   * skipped by reads (failover); only when all fail does initialisation fail.
   */
  initialize(): Promise<void> {
    this.#ready ??= (async () => {
      const failures: ProviderFailure[] = [];
      await Promise.all(
        this.#slots.map(async (slot) => {
          try {
            await slot.ready();
          } catch (error) {
            if (isDefinitive(error) && !(error instanceof ProviderUnavailableError)) throw error;
            failures.push(slot.markFailure(error));
          }
        }),
      );
      if (failures.length === this.#slots.length)
        throw new ProviderUnavailableError('no provider could be initialised', failures);
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  async getSecret(key: string, options: GetSecretOptions = {}): Promise<Secret | null> {
    const { name, field: fieldInName } = splitFieldReference(key);
    const field = options.field ?? fieldInName;
    const version = options.version === undefined ? undefined : String(options.version);
    return this.#run(
      'get',
      { key: name, provider: options.provider, accessor: options.accessor, scope: options.scope, version },
      async (event) => {
        validateSecretName(name);
        const secret = await this.#read(name, version, options.provider, options.fresh ?? false, event);
        const found = secret && field !== undefined ? this.#withField(secret, field) : secret;
        if (!found) {
          event.outcome = 'not_found';
          if (options.required)
            throw new SecretNotFoundError(name, { version, field, provider: options.provider });
          return null;
        }
        event.provider = found.provider;
        return found;
      },
    );
  }

  async getSecrets(
    keys: string[],
    options: Omit<GetSecretOptions, 'version' | 'field'> = {},
  ): Promise<Map<string, Secret | null>> {
    for (const key of keys) validateSecretName(key);
    const unique = [...new Set(keys)];
    return this.#run(
      'getMany',
      { key: unique.join(','), provider: options.provider, accessor: options.accessor, scope: options.scope },
      async () => {
        // Each secret is checked and recorded on its own, as a single read would be.
        const started = performance.now();
        for (const key of unique) {
          const context: OperationContext = stripUndefined({
            requestId: randomUUID(),
            operation: 'get' as const,
            key,
            provider: options.provider,
            accessor: options.accessor,
            scope: options.scope,
          });
          try {
            await this.#before(context);
          } catch (error) {
            const denied = error instanceof HushError && error.code === 'ACCESS_DENIED';
            const event: OperationEvent = {
              ...context,
              outcome: denied ? 'denied' : 'error',
              errorCode: error instanceof HushError ? error.code : 'ERROR',
              durationMs: performance.now() - started,
              timestamp: new Date(),
            };
            await this.#after(event).catch(() => undefined);
            throw error;
          }
        }
        const result = await this.#readMany(unique, options.provider, options.fresh ?? false);
        for (const key of unique) {
          const secret = result.get(key) ?? null;
          if (!secret && options.required) throw new SecretNotFoundError(key);
          await this.#after({
            ...stripUndefined({
              requestId: randomUUID(),
              operation: 'get' as const,
              key,
              provider: secret?.provider ?? options.provider,
              accessor: options.accessor,
              scope: options.scope,
            }),
            outcome: secret ? 'success' : 'not_found',
            durationMs: performance.now() - started,
            timestamp: new Date(),
          });
        }
        return result;
      },
    );
  }

  async setSecret(key: string, value: string, options: SetSecretOptions = {}): Promise<SecretInfo> {
    return this.#run(
      'set',
      { key, provider: options.provider, accessor: options.actor, scope: options.scope },
      async (event) => {
        validateSecretName(key);
        if (typeof value !== 'string') throw new ValidationError(`the value of '${key}' must be a string`);
        const slot = this.#writeSlot(options.provider, 'write');
        event.provider = slot.name;
        const tags = options.tags === undefined ? undefined : normalizeTags(options.tags);
        this.#requireOptions(slot, { tags, expiry: options.expiresAt });
        this.masker.add(value);
        const info = await slot.call(() =>
          slot.provider.set!(key, value, {
            ...(tags ? { tags } : {}),
            ...(options.metadata ? { metadata: options.metadata } : {}),
            ...(options.expiresAt !== undefined ? { expiresAt: parseExpiry(options.expiresAt) } : {}),
            ...(options.scope !== undefined ? { scope: options.scope } : {}),
            ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
          }),
        );
        this.#cache.invalidate(key);
        event.version = info.version;
        return info;
      },
    );
  }

  async deleteSecret(key: string, options: DeleteSecretOptions = {}): Promise<void> {
    return this.#run(
      'delete',
      { key, provider: options.provider, accessor: options.actor, scope: options.scope },
      async (event) => {
        validateSecretName(key);
        const slot = this.#writeSlot(options.provider, 'delete');
        event.provider = slot.name;
        const deleted = await slot.call(() =>
          slot.provider.delete!(key, { permanent: options.permanent ?? false }),
        );
        this.#cache.invalidate(key);
        if (!deleted) {
          event.outcome = 'not_found';
          throw new SecretNotFoundError(key, { provider: slot.name });
        }
      },
    );
  }

  async listSecrets(options: string | ListSecretsOptions = {}): Promise<SecretInfo[]> {
    const opts: ListSecretsOptions = typeof options === 'string' ? { prefix: options } : options;
    const context = {
      provider: opts.provider,
      accessor: opts.accessor,
      scope: opts.scope,
      pattern: opts.pattern ?? opts.prefix,
    };
    return this.#run('list', context, async (event) => {
      const slots = opts.provider
        ? [this.#slot(opts.provider)]
        : this.#slots.filter((slot) => slot.provider.capabilities.list);
      if (opts.provider && !slots[0]!.provider.capabilities.list)
        throw new UnsupportedOperationError(opts.provider, 'list');
      const prefix = opts.prefix ?? literalPrefix(opts.pattern);
      const byName = new Map<string, SecretInfo>();
      const failures: ProviderFailure[] = [];
      for (const slot of slots) {
        try {
          const listed = await slot.call(() => slot.provider.list!(prefix ? { prefix } : {}));
          slot.markSuccess();
          for (const info of listed) if (!byName.has(info.key)) byName.set(info.key, info);
        } catch (error) {
          if (isDefinitive(error)) throw error;
          failures.push(slot.markFailure(error));
        }
      }
      if (slots.length > 0 && failures.length === slots.length)
        throw new ProviderUnavailableError('no provider could list secrets', failures);
      const now = Date.now();
      let result = [...byName.values()].filter(
        (info) =>
          (!opts.prefix || info.key.startsWith(opts.prefix)) &&
          (!opts.pattern || matchesGlob(info.key, opts.pattern)) &&
          (opts.scope === undefined || (info.scope ?? 'global') === opts.scope) &&
          tagsMatch(info.tags, opts.tags) &&
          (opts.includeExpired || !isExpired(info, now)),
      );
      for (const plugin of this.#plugins)
        if (plugin.filterList) result = await plugin.filterList({ ...event, operation: 'list' }, result);
      return result.sort((a, b) => a.key.localeCompare(b.key));
    });
  }

  async rotateSecret(key: string, options: string | RotateSecretOptions = {}): Promise<SecretInfo> {
    const opts: RotateSecretOptions = typeof options === 'string' ? { newValue: options } : options;
    return this.#run(
      'rotate',
      { key, provider: opts.provider, accessor: opts.actor, scope: opts.scope },
      async (event) => {
        validateSecretName(key);
        const slot = this.#writeSlot(opts.provider, 'rotate');
        event.provider = slot.name;
        const current = await slot.call(() => slot.provider.get(key));
        if (!current) {
          event.outcome = 'not_found';
          throw new SecretNotFoundError(key, { provider: slot.name });
        }
        const value = opts.newValue ?? generateSecretValue(opts.generator ?? 'random:32');
        this.masker.add(value);
        const info = await slot.call(() =>
          slot.provider.set!(key, value, opts.expireOldVersion ? { expirePreviousVersions: true } : {}),
        );
        this.#cache.invalidate(key);
        event.version = info.version;
        return info;
      },
    );
  }

  async getSecretVersion(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<Secret> {
    const wanted = String(version);
    return this.#run(
      'getVersion',
      { key, provider: options.provider, accessor: options.accessor, scope: options.scope, version: wanted },
      async (event) => {
        validateSecretName(key);
        this.#versionSlots(options.provider);
        const secret = await this.#read(key, wanted, options.provider, false, event);
        if (!secret) {
          event.outcome = 'not_found';
          throw new SecretNotFoundError(key, { version: wanted, provider: options.provider });
        }
        event.provider = secret.provider;
        return secret;
      },
    );
  }

  async getSecretVersions(key: string, options: VersionOptions = {}): Promise<SecretVersion[]> {
    return this.#run(
      'listVersions',
      { key, provider: options.provider, accessor: options.accessor, scope: options.scope },
      async (event) => {
        validateSecretName(key);
        const failures: ProviderFailure[] = [];
        for (const slot of this.#versionSlots(options.provider)) {
          try {
            const versions = await slot.call(() => slot.provider.listVersions!(key));
            slot.markSuccess();
            if (versions.length > 0) {
              event.provider = slot.name;
              return versions;
            }
          } catch (error) {
            if (isDefinitive(error)) throw error;
            failures.push(slot.markFailure(error));
          }
        }
        if (failures.length)
          throw new ProviderUnavailableError(`could not list the versions of '${key}'`, failures);
        event.outcome = 'not_found';
        throw new SecretNotFoundError(key);
      },
    );
  }

  async rollbackSecret(
    key: string,
    version: string | number,
    options: VersionOptions = {},
  ): Promise<SecretInfo> {
    const target = String(version);
    return this.#run(
      'rollback',
      {
        key,
        provider: options.provider,
        accessor: options.actor ?? options.accessor,
        scope: options.scope,
        version: target,
      },
      async (event) => {
        validateSecretName(key);
        const slot = this.#writeSlot(options.provider, 'rollback');
        event.provider = slot.name;
        if (!slot.provider.capabilities.versions)
          throw new UnsupportedOperationError(
            slot.name,
            'rollback',
            `provider '${slot.name}' keeps no versions to roll back to`,
          );
        let info: SecretInfo;
        if (slot.provider.rollback) info = await slot.call(() => slot.provider.rollback!(key, target));
        else {
          const old = await slot.call(() => slot.provider.get(key, { version: target }));
          if (!old) {
            event.outcome = 'not_found';
            throw new SecretNotFoundError(key, { version: target, provider: slot.name });
          }
          info = await slot.call(() => slot.provider.set!(key, old.value, {}));
        }
        this.#cache.invalidate(key);
        return info;
      },
    );
  }

  async resolve<T>(value: T, options: ResolveOptions = {}): Promise<T> {
    return this.#run(
      'resolve',
      { accessor: options.accessor, provider: options.provider, scope: options.scope },
      () =>
        resolveReferences(value, async (name) => {
          const { name: bare } = splitFieldReference(name);
          const secret = await this.getSecret(bare, {
            provider: options.provider,
            accessor: options.accessor,
            scope: options.scope,
          });
          return secret ? secret.value : null;
        }),
    );
  }

  async healthCheck(): Promise<HealthStatus> {
    const providers = await Promise.all(this.#slots.map((slot) => this.#probe(slot)));
    const healthy = providers.filter((p) => p.status === 'healthy').length;
    const down = providers.filter((p) => p.status === 'unhealthy').length;
    const status =
      down === providers.length ? 'unhealthy' : healthy === providers.length ? 'healthy' : 'degraded';
    return { status, checkedAt: new Date(), providers };
  }

  async getMetrics(): Promise<SecretMetrics> {
    const plugins: Record<string, Record<string, number>> = {};
    for (const plugin of this.#plugins) if (plugin.metrics) plugins[plugin.name] = plugin.metrics();
    return {
      operations: this.#metrics.operations(),
      providers: this.#metrics.providers(
        this.providerNames,
        (name) => this.getProvider(name)?.metrics?.() ?? {},
      ),
      cache: MetricsRecorder.cache(this.#cache.counts, this.#cache.size),
      plugins,
    };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache.clear();
    await Promise.allSettled(this.#plugins.map((plugin) => plugin.dispose?.()));
    await Promise.allSettled(this.#slots.map((slot) => slot.provider.dispose?.()));
  }

  // --- seed 000's short names ----------------------------------------------------------

  /** Same as `getSecret`. */
  get(key: string, options?: GetSecretOptions): Promise<Secret | null> {
    return this.getSecret(key, options);
  }

  /** Same as `setSecret`. */
  set(key: string, value: string, options?: SetSecretOptions): Promise<SecretInfo> {
    return this.setSecret(key, value, options);
  }

  /** Same as `rotateSecret`. */
  rotate(key: string, options?: string | RotateSecretOptions): Promise<SecretInfo> {
    return this.rotateSecret(key, options);
  }

  /** Same as `listSecrets`. */
  list(options?: string | ListSecretsOptions): Promise<SecretInfo[]> {
    return this.listSecrets(options);
  }

  /** Same as `resolve`. */
  substituteSecrets<T>(value: T, options?: ResolveOptions): Promise<T> {
    return this.resolve(value, options);
  }

  // --- reads -------------------------------------------------------------------------

  /** Cache, then single flight, then the provider chain; stale values when everything fails. */
  async #read(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    fresh: boolean,
    event: LiveEvent,
  ): Promise<Secret | null> {
    const cacheKey = SecretCache.key(name, version, pin);
    const cached = fresh ? undefined : this.#cache.lookup(cacheKey);
    if (cached?.fresh) {
      this.#cache.counts.hits++;
      event.cached = true;
      return cached.secret;
    }
    this.#cache.counts.misses++;
    let flight = this.#inflight.get(cacheKey);
    if (!flight) {
      flight = this.#readChain(name, version, pin).finally(() => this.#inflight.delete(cacheKey));
      this.#inflight.set(cacheKey, flight);
    }
    try {
      const secret = await flight;
      if (secret) {
        this.#cache.store(cacheKey, name, secret, version !== undefined, this.#cacheTtlOf(secret.provider));
        this.masker.add(secret.value);
      }
      return secret;
    } catch (error) {
      if (cached && error instanceof ProviderUnavailableError) {
        this.#cache.counts.staleServed++;
        event.cached = true;
        return cached.secret;
      }
      throw error;
    }
  }

  /** Asks providers in priority order: the first that has the secret answers; failures are skipped. */
  async #readChain(
    name: string,
    version: string | undefined,
    pin: string | undefined,
  ): Promise<Secret | null> {
    const slots = pin
      ? [this.#slot(pin)]
      : version !== undefined
        ? this.#versionSlots(undefined)
        : this.#slots;
    const failures: ProviderFailure[] = [];
    for (const slot of slots) {
      try {
        const secret = await slot.call(() =>
          slot.provider.get(name, version === undefined ? {} : { version }),
        );
        slot.markSuccess();
        if (secret) return secret;
      } catch (error) {
        if (isDefinitive(error)) throw error;
        failures.push(slot.markFailure(error));
      }
    }
    if (failures.length)
      throw new ProviderUnavailableError(
        `could not read '${name}': ${failures.length === slots.length ? 'every provider failed' : 'not found in the providers that answered'}`,
        failures,
      );
    return null;
  }

  async #readMany(
    keys: string[],
    pin: string | undefined,
    fresh: boolean,
  ): Promise<Map<string, Secret | null>> {
    const result = new Map<string, Secret | null>();
    const stale = new Map<string, Secret>();
    let remaining: string[] = [];
    for (const key of keys) {
      const cached = fresh ? undefined : this.#cache.lookup(SecretCache.key(key, undefined, pin));
      if (cached?.fresh) {
        this.#cache.counts.hits++;
        result.set(key, cached.secret);
      } else {
        this.#cache.counts.misses++;
        if (cached) stale.set(key, cached.secret);
        remaining.push(key);
      }
    }
    const failures = new Map<string, ProviderFailure[]>();
    for (const slot of pin ? [this.#slot(pin)] : this.#slots) {
      if (remaining.length === 0) break;
      const found = await this.#getManyFrom(slot, remaining, failures);
      for (const [key, secret] of found) {
        result.set(key, secret);
        this.#cache.store(SecretCache.key(key, undefined, pin), key, secret, false, slot.cacheTtlMs);
        this.masker.add(secret.value);
      }
      remaining = remaining.filter((key) => !found.has(key));
    }
    const unknown: ProviderFailure[] = [];
    for (const key of remaining) {
      const staleSecret = stale.get(key);
      if (failures.has(key) && staleSecret) {
        this.#cache.counts.staleServed++;
        result.set(key, staleSecret);
      } else if (failures.has(key)) unknown.push(...failures.get(key)!);
      else result.set(key, null);
    }
    if (unknown.length)
      throw new ProviderUnavailableError(
        `could not read ${remaining.length} of ${keys.length} secrets`,
        dedupe(unknown),
      );
    return new Map(keys.map((key) => [key, result.get(key) ?? null]));
  }

  /** One provider's answers for many keys: its batch get when it has one, bounded parallel gets otherwise. */
  async #getManyFrom(
    slot: ProviderSlot,
    keys: string[],
    failures: Map<string, ProviderFailure[]>,
  ): Promise<Map<string, Secret>> {
    const found = new Map<string, Secret>();
    const fail = (key: string, failure: ProviderFailure) =>
      failures.set(key, [...(failures.get(key) ?? []), failure]);
    if (slot.provider.capabilities.batchGet && slot.provider.getMany) {
      try {
        const answers = await slot.call(() => slot.provider.getMany!(keys));
        slot.markSuccess();
        for (const [key, secret] of answers) if (secret) found.set(key, secret);
      } catch (error) {
        if (isDefinitive(error)) throw error;
        const failure = slot.markFailure(error);
        for (const key of keys) fail(key, failure);
      }
      return found;
    }
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          const secret = await slot.call(() => slot.provider.get(key));
          slot.markSuccess();
          if (secret) found.set(key, secret);
        } catch (error) {
          if (isDefinitive(error)) throw error;
          fail(key, slot.markFailure(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#batchConcurrency, keys.length) }, worker));
    return found;
  }

  #cacheTtlOf(providerName: string): number | undefined {
    return this.#slots.find((slot) => slot.name === providerName)?.cacheTtlMs;
  }

  #withField(secret: Secret, field: string): Secret | null {
    const value = extractField(secret.value, field);
    if (value === undefined) return null;
    this.masker.add(value);
    return createSecret({ ...secret.toInfo(), key: `${secret.key}#${field}`, value });
  }

  // --- routing -------------------------------------------------------------------------

  #slot(name: string): ProviderSlot {
    const slot = this.#slots.find((s) => s.name === name);
    if (!slot)
      throw new ConfigError(`unknown provider '${name}' (configured: ${this.providerNames.join(', ')})`, {
        path: 'provider',
      });
    return slot;
  }

  /** Where writes go: the pinned provider, else defaultWriteProvider, else the only writable one. */
  #writeSlot(pin: string | undefined, operation: 'write' | 'delete' | 'rotate' | 'rollback'): ProviderSlot {
    const capability: keyof ProviderCapabilities = operation === 'delete' ? 'delete' : 'write';
    let slot: ProviderSlot | undefined;
    if (pin ?? this.#defaultWriteProvider) slot = this.#slot((pin ?? this.#defaultWriteProvider)!);
    else {
      const writable = this.#slots.filter((s) => s.provider.capabilities.write);
      if (writable.length === 1) slot = writable[0];
      else if (writable.length === 0) slot = this.#slots[0];
      else
        throw new ConfigError(
          `several providers can be written (${writable.map((s) => s.name).join(', ')}): pin one with 'provider' or set defaultWriteProvider`,
          { path: 'defaultWriteProvider' },
        );
    }
    const provider = slot!.provider;
    if (!provider.capabilities[capability] || (capability === 'write' ? !provider.set : !provider.delete)) {
      const readOnly = !provider.capabilities.write;
      throw new UnsupportedOperationError(
        provider.name,
        operation,
        readOnly ? `provider '${provider.name}' is read-only` : undefined,
      );
    }
    return slot!;
  }

  #versionSlots(pin: string | undefined): ProviderSlot[] {
    const slots = pin ? [this.#slot(pin)] : this.#slots.filter((slot) => slot.provider.capabilities.versions);
    if (
      slots.length === 0 ||
      !slots.every((slot) => slot.provider.capabilities.versions && slot.provider.listVersions)
    )
      throw new UnsupportedOperationError(
        pin ?? this.providerNames.join(', '),
        'versions',
        pin ? `provider '${pin}' keeps no versions` : 'no provider keeps versions',
      );
    return slots;
  }

  #requireOptions(slot: ProviderSlot, wanted: { tags?: unknown; expiry?: unknown }): void {
    if (
      wanted.tags !== undefined &&
      Object.keys(wanted.tags as object).length > 0 &&
      !slot.provider.capabilities.tags
    )
      throw new UnsupportedOperationError(slot.name, 'tags');
    if (wanted.expiry !== undefined && !slot.provider.capabilities.expiry)
      throw new UnsupportedOperationError(slot.name, 'expiry');
  }

  async #probe(slot: ProviderSlot): Promise<ProviderHealthReport> {
    const started = performance.now();
    const report = (status: ProviderHealthReport['status'], message?: string): ProviderHealthReport => ({
      name: slot.name,
      kind: slot.provider.kind,
      status,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...(message ? { message } : {}),
      consecutiveFailures: slot.consecutiveFailures,
      ...(slot.lastFailureAt ? { lastFailureAt: slot.lastFailureAt } : {}),
      ...(slot.lastFailureCode ? { lastFailureCode: slot.lastFailureCode } : {}),
    });
    try {
      if (slot.provider.health) {
        const health = await slot.call(() => slot.provider.health!());
        return report(health.status, health.message);
      }
      // No health endpoint: a read of a name that should not exist proves the backend answers.
      await slot.call(() => slot.provider.get('hush-health-probe'));
      return report('healthy');
    } catch (error) {
      return report('unhealthy', describeFailure(slot.name, error, this.masker).message);
    }
  }

  // --- hooks ----------------------------------------------------------------------------

  async #run<T>(
    operation: Operation,
    context: Omit<OperationContext, 'requestId' | 'operation'>,
    work: (event: LiveEvent) => Promise<T>,
  ): Promise<T> {
    if (this.#disposed) throw new HushError('VALIDATION_ERROR', 'this secret manager has been disposed');
    const started = performance.now();
    const event: LiveEvent = { requestId: randomUUID(), operation, ...stripUndefined(context) };
    let result: T;
    try {
      if (operation !== 'getMany') await this.#before(event);
      await this.initialize();
      result = await work(event);
      event.outcome ??= 'success';
    } catch (error) {
      const code = error instanceof HushError ? error.code : 'ERROR';
      event.outcome =
        code === 'ACCESS_DENIED'
          ? 'denied'
          : code === 'SECRET_NOT_FOUND'
            ? 'not_found'
            : (event.outcome ?? 'error');
      event.errorCode = code;
      this.#metrics.operation(
        operation,
        performance.now() - started,
        event.outcome === 'error' || event.outcome === 'denied',
      );
      if (operation !== 'getMany') await this.#after(this.#finish(event, started)).catch(() => undefined);
      throw error;
    }
    this.#metrics.operation(operation, performance.now() - started, false);
    if (operation !== 'getMany') await this.#after(this.#finish(event, started));
    return result;
  }

  #finish(event: LiveEvent, started: number): OperationEvent {
    return {
      ...event,
      outcome: event.outcome ?? 'success',
      durationMs: performance.now() - started,
      timestamp: new Date(),
    };
  }

  async #before(context: OperationContext): Promise<void> {
    for (const plugin of this.#plugins) await plugin.before?.(context);
  }

  async #after(event: OperationEvent): Promise<void> {
    for (const plugin of this.#plugins) await plugin.after?.(event);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The fixed start of a glob, pushed to providers as a prefix. */
function literalPrefix(pattern: string | undefined): string | undefined {
  if (!pattern) return undefined;
  const wildcard = pattern.search(/[*?]/);
  const prefix = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
  return prefix || undefined;
}

function dedupe(failures: ProviderFailure[]): ProviderFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const id = `${f.provider}\u0000${f.code}\u0000${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
