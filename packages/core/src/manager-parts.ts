import { defaultAuditLog } from './audit-option.js';
import { BatchReader } from './batch.js';
import { SecretCache } from './cache.js';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import type { ManagerPlugin } from './events.js';
import { Hooks } from './hooks.js';
import { defaultSchedule, LeaseKeeper } from './leases.js';
import type { SecretManagerOptions } from './manager-options.js';
import { checkManagerOptions } from './manager-options.js';
import { Masker } from './masker.js';
import { MetricsRecorder } from './metrics.js';
import { type ManagerState, OperationRunner } from './operation.js';
import { createPersistentCache, type PersistentCache } from './persistent.js';
import { ReadPath } from './reads.js';
import { ProviderChain } from './routing.js';
import { CacheTiers } from './tiers.js';
import { WritePath } from './writes.js';

const DEFAULTS = {
  ttl: '5m',
  maxSize: 1000,
  staleIfError: 0,
  versionTtl: '1h',
  batchConcurrency: 8,
  providerTimeout: '30s',
};

/** What a manager is built of: the chain of providers, the cache tiers, the read and write paths, the hooks. */
export interface ManagerParts {
  masker: Masker;
  chain: ProviderChain;
  cache: SecretCache;
  reads: ReadPath;
  batch: BatchReader;
  writes: WritePath;
  hooks: Hooks;
  tiers: CacheTiers;
  leases: LeaseKeeper;
  persistent: PersistentCache | undefined;
  metrics: MetricsRecorder;
  runner: OperationRunner;
  /** Plugins the options asked for that load in the background (`enableAuditLog`). */
  pluginsReady: Promise<void>;
  /** Stops listening to the shared tiers' invalidations. */
  unsubscribe: () => void;
  defaultsOnOutage: boolean;
  now: () => number;
}

/** Checks the options and builds the parts of a manager from them. */
export function assembleManager(options: SecretManagerOptions, state: ManagerState): ManagerParts {
  checkManagerOptions(options);
  const now = options.now ?? Date.now;
  const environment = options.environment ?? 'default';
  const metrics = new MetricsRecorder();
  const masker = new Masker([], { maxValues: options?.masking?.maxValues });
  const chain = new ProviderChain(
    options,
    options?.providerTimeout ?? DEFAULTS.providerTimeout,
    metrics,
    masker,
  );
  const cacheOptions = options.cache ?? {};
  const cache = new SecretCache({
    enabled: cacheOptions.enabled ?? true,
    ttlMs: parseDuration(cacheOptions.ttl ?? DEFAULTS.ttl),
    maxSize: cacheOptions.maxSize ?? DEFAULTS.maxSize,
    staleIfErrorMs: parseDuration(cacheOptions.staleIfError ?? DEFAULTS.staleIfError),
    versionTtlMs: parseDuration(cacheOptions.versionTtl ?? DEFAULTS.versionTtl),
    refreshAhead: refreshFraction(cacheOptions.refreshAhead),
    now,
    onEvict: (secret) => masker.release(secret.value),
  });
  const { plugins, pluginsReady } = pluginsOf(options);
  const hooks = new Hooks(plugins, now);
  const concurrency = Math.max(1, options.batchConcurrency ?? DEFAULTS.batchConcurrency);
  const tiers = new CacheTiers(options.cacheTiers ?? [], environment, now);
  const persistent = cacheOptions.persistent
    ? createPersistentCache(cacheOptions.persistent, {
        environment,
        now,
        warn: options.onWarning ?? ((message) => process.emitWarning(message, 'HushWarning')),
      })
    : undefined;
  // A write elsewhere in the fleet: drop the copies here, and let no read in flight keep the old value.
  const unsubscribe = tiers.subscribe((name) => {
    if (name === undefined) return cache.writtenAll();
    cache.written(name);
    void persistent?.forget(name);
  });
  const leases = new LeaseKeeper(
    {
      renewFraction: leaseFraction(options.leases?.renewFraction),
      now,
      schedule: options.leases?.schedule ?? defaultSchedule,
    },
    masker,
  );
  return {
    masker,
    chain,
    cache,
    reads: new ReadPath(chain, cache, masker, tiers, leases, persistent),
    batch: new BatchReader(chain, cache, masker, concurrency, tiers, leases, persistent),
    writes: new WritePath(chain, cache, masker, tiers, persistent),
    hooks,
    tiers,
    leases,
    persistent,
    metrics,
    runner: new OperationRunner(hooks, metrics, masker, state, options.traceNames ?? false),
    pluginsReady,
    unsubscribe,
    defaultsOnOutage: options.defaultsOnOutage ?? false,
    now,
  };
}

/** The plugins of the options, with the audit log and the audit callback they ask for. */
function pluginsOf(options: SecretManagerOptions): { plugins: ManagerPlugin[]; pluginsReady: Promise<void> } {
  const plugins = [...(options.plugins ?? [])];
  let pluginsReady = Promise.resolve();
  if (options.enableAuditLog) {
    const audit = defaultAuditLog();
    pluginsReady = audit.ready;
    plugins.push(audit);
  }
  if (options.auditLogCallback) plugins.push({ name: 'auditLogCallback', after: options.auditLogCallback });
  return { plugins, pluginsReady };
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
