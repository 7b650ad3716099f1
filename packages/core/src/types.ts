import type { CacheTierRegistration } from './cache-tier.js';
import type { SecretProvider } from './provider.js';
import type { Secret, SecretInfo, SecretVersion } from './secret.js';

/** Tags as every cloud models them, or a list of words (`tags: ['production']`). */
export type Tags = Record<string, string> | string[];

/** A duration as milliseconds or text: `'500ms'`, `'30s'`, `'5m'`, `'12h'`, `'90d'`, `'2w'`, `'1y'`. */
export type Duration = number | string;

export interface GetSecretOptions {
  /** Throw `SecretNotFoundError` instead of returning null. */
  required?: boolean;
  version?: string | number;
  /** Pin one provider by name; no failover. */
  provider?: string;
  /** One field of a JSON secret (also written `name#field`). */
  field?: string;
  /** Who asks; recorded by audit and checked by access control. */
  accessor?: string;
  scope?: string;
  /** Skip the cache for this read. */
  fresh?: boolean;
  /**
   * Read the version a rotation replaced, while its grace period (`keepPrevious`) lasts; null
   * (or `SecretNotFoundError` with `required`) once it is over or when no rotation kept one.
   * Also written `${secret:name@previous}` in templates.
   */
  previous?: boolean;
}

export interface SetSecretOptions {
  provider?: string;
  scope?: string;
  /** Key/value tags; a list of words (`['production']`) is taken as tags with empty values. */
  tags?: Tags;
  /** `'90d'` from now, an ISO timestamp, or a Date. */
  expiresAt?: Duration | Date;
  actor?: string;
  metadata?: Record<string, string>;
  /** Write only if the current version is this one (`'0'`: must not exist). */
  expectedVersion?: string;
}

export type GeneratorSpec =
  | { type: 'random'; length?: number; alphabet?: string }
  | { type: 'uuid' }
  /** Text form: `'random:32'`, `'random:24:hex'`, `'uuid'`. */
  | string;

export interface RotateSecretOptions {
  newValue?: string;
  /** Used when no newValue is given; defaults to `random:32`. */
  generator?: GeneratorSpec;
  actor?: string;
  /** Stop serving older versions once the new one is written. */
  expireOldVersion?: boolean;
  /**
   * Expiry of the new version: `'90d'` from now, an ISO timestamp, or a Date. Without it, a secret
   * whose current version expires gets a new period of the same length (from its write to its expiry).
   */
  expiresAt?: Duration | Date;
  provider?: string;
  scope?: string;
  /**
   * Rotate only if the current version is this one, compare-and-set in the backend (a CAS write
   * on Vault, a version-stage check on AWS): how two rotators of one secret never both rotate
   * it. A mismatch is a `VersionConflictError`.
   */
  expectedVersion?: string;
  /**
   * Keep the replaced version readable for this long (`'1h'`) through `getSecret(name,
   * { previous: true })`, so that applications can accept both during the switch. Needs a
   * provider with versions and tags; cannot go with `expireOldVersion`.
   */
  keepPrevious?: Duration;
}

export interface DeleteSecretOptions {
  provider?: string;
  actor?: string;
  scope?: string;
  permanent?: boolean;
}

export interface ListSecretsOptions {
  prefix?: string;
  /** Glob over names: `*` within a segment, `**` across `/`, `?` one character. */
  pattern?: string;
  scope?: string;
  /** Every tag given must match; a list of words only asks that those tags are present. */
  tags?: Tags;
  provider?: string;
  includeExpired?: boolean;
  accessor?: string;
  /** Lists are never cached, so every list is fresh; taken for symmetry with `get`'s `fresh`. */
  fresh?: boolean;
}

export interface VersionOptions {
  provider?: string;
  accessor?: string;
  actor?: string;
  scope?: string;
  /**
   * rollbackSecret only: expiry of the restored value, as for `rotateSecret`. Without it, a secret
   * whose current version expires gets a new period of the same length.
   */
  expiresAt?: Duration | Date;
}

export interface ResolveOptions {
  accessor?: string;
  provider?: string;
  scope?: string;
  /**
   * Use a reference's default also when providers failed and none had the secret (an outage),
   * not only when they answered that it does not exist. Off by default: an outage is then a
   * `ProviderUnavailableError` naming each reference and its path.
   */
  defaultsOnOutage?: boolean;
}

export type ProviderStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface ProviderHealthReport {
  name: string;
  kind: string;
  status: ProviderStatus;
  latencyMs: number;
  message?: string;
  /** Consecutive failures seen by reads since the last success. */
  consecutiveFailures: number;
  lastFailureAt?: Date;
  lastFailureCode?: string;
}

export interface HealthStatus {
  status: ProviderStatus;
  checkedAt: Date;
  providers: ProviderHealthReport[];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface OperationMetrics {
  count: number;
  errors: number;
  latencyMs: LatencySummary;
}

export interface ProviderMetrics {
  /** Calls the manager made into this provider (each is at least one backend request). */
  calls: number;
  errors: number;
  /** Reads that moved past this provider because it failed. */
  failovers: number;
  latencyMs: LatencySummary;
  /** Counters the provider reports itself (retries, throttled...). */
  counters: Record<string, number>;
}

export interface CacheMetrics {
  hits: number;
  misses: number;
  /** Stale values served because every provider failed. */
  staleServed: number;
  /**
   * Values served from the persistent cache: because every provider failed, or in offline mode
   * for a provider that was not contacted.
   */
  offlineServed: number;
  /** Background refreshes started by reads in the last part of an entry's TTL (`cache.refreshAhead`). */
  refreshes: number;
  /** Background refreshes that failed (the cached value was kept). */
  refreshFailures: number;
  hitRate: number;
  size: number;
  /** Each cache tier's counters, by tier name (absent when no tier is configured). */
  tiers?: Record<string, CacheTierMetrics>;
  /** The persistent tier's counters (absent when `cache.persistent` is not configured). */
  persistent?: PersistentCacheMetrics;
}

/** The persistent tier's counters. A failure is counted and warned about, never an error for a read. */
export interface PersistentCacheMetrics {
  /** Entries opened and served. */
  hits: number;
  /** Values kept after a remote provider served them. */
  writes: number;
  /** Secrets dropped by writes through this manager. */
  deletes: number;
  /** Files that could not be read or written, or a key that could not be had. */
  errors: number;
  /** Files cut short or edited, and entries that failed authentication: ignored, never served. */
  tampered: number;
  /** Entries older than the maximum age: never served. */
  tooOld: number;
}

/**
 * The persistent cache tier (`cache.persistent`): what remote providers served, sealed on disk,
 * for reads when every provider fails and for offline mode. The local and env providers' values
 * are never kept (they are on this machine already).
 */
export interface PersistentCacheOptions {
  /** The folder of the entry files (`.hush/cache`). */
  path: string;
  /** The maximum age of an entry: an older one is never served (default 24h). */
  ttl?: Duration;
  /**
   * The machine key file, created 0600 on first use (default `HUSH_CACHE_KEY_FILE`, else
   * `$XDG_STATE_HOME/hush/cache.key`, else `~/.local/state/hush/cache.key`).
   */
  keyFile?: string;
  /** The key itself (32 random bytes, base64 or hex) instead of a key file: e.g. from an OS keyring. */
  key?: string | Uint8Array;
}

/** One entry of the persistent tier as `hush cache status` shows it: never a value. */
export interface PersistentCacheEntryStatus {
  name: string;
  /** The version the entry holds. */
  version: string;
  /** Set for a read of a fixed version. */
  pinnedVersion?: string;
  /** Set for a read pinned to one provider. */
  pin?: string;
  /** The provider that served it (absent when the entry does not open). */
  provider?: string;
  fetchedAt: Date;
  ageMs: number;
  /** Older than the maximum age: kept on disk until cleared or rewritten, never served. */
  expired: boolean;
  /** The entry opens under this machine's key. */
  valid: boolean;
}

/** What `SecretManager.persistentCache` offers: a look at the entries, and clearing them. */
export interface PersistentCacheControl {
  status(): Promise<PersistentCacheStatus>;
  /** Drops every entry, or one secret's; resolves to how many entries went. */
  clear(name?: string): Promise<number>;
}

export interface PersistentCacheStatus {
  /** The folder of this environment's entries. */
  path?: string;
  maxAgeMs: number;
  entries: PersistentCacheEntryStatus[];
  /** Files and entries found tampered with (or cut short) by this manager so far. */
  tampered: number;
}

/** A cache tier's counters. A failed or slow call is counted and skipped, never an error for a read. */
export interface CacheTierMetrics {
  hits: number;
  misses: number;
  /** Entries written back after a provider answered. */
  writes: number;
  /** Secrets dropped by writes through this manager. */
  deletes: number;
  /** Calls that failed (connection refused, an entry that did not authenticate...). */
  errors: number;
  /** Calls that took longer than the tier's timeout. */
  timeouts: number;
  /** Calls not made during the short cool-down after a failure. */
  skipped: number;
  /** Invalidations received from other managers of the fleet. */
  invalidations: number;
  /** Reads that waited for another process filling the same key, and got its entry. */
  lockWaits: number;
  /** Counters the tier reports itself. */
  [counter: string]: number;
}

export interface MaskingMetrics {
  /** Values the masker redacts now. */
  values: number;
  /** Values dropped because the masker's cap (`masking.maxValues`) was reached, oldest first. */
  dropped: number;
}

export interface LeaseOptions {
  /**
   * Renew a lease when this share of it has passed (a lease that cannot be renewed is fetched
   * anew then). Default 2/3.
   */
  renewFraction?: number;
  /**
   * Runs the background work after a delay; returns a cancel function. Default `setTimeout`
   * (never keeping the process alive). Tests pass one driven by their clock.
   */
  schedule?: (work: () => void, delayMs: number) => () => void;
}

/** A leased secret the manager holds, as `manager.leases.list()` describes it. */
export interface HeldLease {
  name: string;
  provider: string;
  leaseId: string;
  expiresAt: Date;
  renewable: boolean;
  /** Successful renewals of this lease. */
  renewals: number;
  /** When the manager will act next: renew, or fetch a new credential. */
  nextActionAt?: Date;
}

/** What `manager.leases` offers: the leased values the manager holds. */
export interface LeaseControl {
  /** The held leases (no values). */
  list(): HeldLease[];
  /** Renews a held lease now, by secret name or lease id; undefined when none is held. */
  renew(nameOrId: string): Promise<HeldLease | undefined>;
  /** Revokes a held lease at its backend; the next read fetches a new credential. */
  revoke(nameOrId: string): Promise<boolean>;
  /** Resolves when no background renewal or replacement is in flight. */
  idle(): Promise<void>;
}

export interface SecretMetrics {
  operations: Record<string, OperationMetrics>;
  providers: Record<string, ProviderMetrics>;
  cache: CacheMetrics;
  masking: MaskingMetrics;
  /** Held leases and what the manager did with them. */
  leases?: {
    held: number;
    renewals: number;
    renewalFailures: number;
    replacements: number;
    expired: number;
    revoked: number;
  };
  /** Counters from manager plugins (audit write failures, denials...). */
  plugins: Record<string, Record<string, number>>;
}

export type Operation =
  | 'get'
  | 'getMany'
  | 'set'
  | 'delete'
  | 'list'
  | 'rotate'
  | 'getVersion'
  | 'listVersions'
  | 'rollback'
  | 'resolve';

/** What a plugin's `before` hook sees. Never a value. */
export interface OperationContext {
  requestId: string;
  operation: Operation;
  key?: string;
  /** Pinned or target provider, when known before the call. */
  provider?: string;
  accessor?: string;
  scope?: string;
  version?: string;
  pattern?: string;
}

/**
 * What a successful write changed, on the after-event of set, rotate, rollback and delete:
 * the metadata an audit store keeps about a secret. Never the value.
 */
export interface SecretChange {
  /** The version the write created or made current (absent for a delete). */
  version?: string;
  /** The expiry of the version now current; null when it has none (a write without one clears it). */
  expiresAt?: Date | null;
  /** The secret's tags after the write, as the provider reported them. */
  tags?: Record<string, string>;
  scope?: string;
  /** When a rotate (or a rollback) made a new value current. */
  rotatedAt?: Date;
  /** The version made current again by a rollback. */
  rolledBackTo?: string;
  /** True after a delete. */
  deleted?: boolean;
  /** A delete that left no recoverable copy. */
  permanent?: boolean;
}

/** What a plugin's `after` hook sees. Never a value. */
export interface OperationEvent extends OperationContext {
  outcome: 'success' | 'not_found' | 'denied' | 'error';
  /** `outcome === 'success'`: a read that found nothing, a denial and an error are all `false`. */
  success: boolean;
  errorCode?: string;
  durationMs: number;
  timestamp: Date;
  /** True when the cache answered. */
  cached?: boolean;
  /** On a successful set, rotate, rollback or delete: what it changed. */
  change?: SecretChange;
}

/**
 * A cross-cutting manager plugin (audit, access control, metrics export).
 * `before` may deny by throwing (usually `AccessDeniedError`); `after` sees every outcome.
 * An error thrown by `after` fails the operation (audit's fail-closed mode relies on it).
 */
export interface ManagerPlugin {
  name: string;
  before?(context: OperationContext): void | Promise<void>;
  /**
   * Called before a read hands out a secret that the provider serves under another name than
   * the one asked for (`secret.canonicalName`, e.g. the variable an alias maps to). May deny
   * by throwing, as `before` does, so that an alias cannot widen a grant.
   */
  beforeServe?(context: OperationContext, served: SecretInfo): void | Promise<void>;
  after?(event: OperationEvent): void | Promise<void>;
  /** Narrows list results (access control lists only what an accessor may read). */
  filterList?(context: OperationContext, secrets: SecretInfo[]): SecretInfo[] | Promise<SecretInfo[]>;
  metrics?(): Record<string, number>;
  dispose?(): Promise<void>;
}

export interface ProviderRegistration {
  provider: SecretProvider;
  /** Higher is asked first; providers without one keep their order after those with one. */
  priority?: number;
  /** Per-call timeout; a timed-out call counts as a failure and the read fails over. */
  timeout?: Duration;
  /**
   * How long this provider's values stay fresh in the manager's cache, instead of `cache.ttl`.
   * Without it, the provider's own `cacheTtlSeconds` applies (the Azure provider's option).
   */
  cacheTtl?: Duration;
}

export interface CacheOptions {
  enabled?: boolean;
  /** How long a value is fresh (default 5m). */
  ttl?: Duration;
  /** Most entries kept (default 1000); least recently used go first. */
  maxSize?: number;
  /** Serve an expired value for this long when every provider fails (default 0: off). */
  staleIfError?: Duration;
  /** How long a read of a fixed version is kept (default 1h; versions never change). */
  versionTtl?: Duration;
  /**
   * Refresh-ahead: a read that lands in this last fraction of an entry's TTL is served from the
   * cache and starts a refresh in the background (0.2: the last 20%). Default 0: off.
   */
  refreshAhead?: number;
  /** An encrypted cache on disk for offline use (off unless configured). */
  persistent?: PersistentCacheOptions;
}

export interface SecretManagerOptions {
  /** In priority order, or with explicit priorities. */
  providers: Array<SecretProvider | ProviderRegistration>;
  defaultWriteProvider?: string;
  cache?: CacheOptions;
  plugins?: ManagerPlugin[];
  /**
   * Called after every operation with its event (never a value), as the option of this
   * name; a shortcut for a plugin with only an `after` hook. An error it throws fails the operation.
   */
  auditLogCallback?: (event: OperationEvent) => void | Promise<void>;
  /**
   * Records every operation in the audit log of `@hush/audit-sqlite` with its defaults (the SQLite
   * file `.hush/audit.db` under the current folder, fail-closed). That package must be installed:
   * without it the constructor throws a `ConfigError` naming it. For other settings, pass
   * `plugins: [auditSqlite({ ... })]` instead.
   */
  enableAuditLog?: boolean;
  /** Parallel reads for getSecrets against providers without batch get (default 8). */
  batchConcurrency?: number;
  /** Per-call timeout for every provider without its own (default 30s). */
  providerTimeout?: Duration;
  /** `resolve`'s default for `defaultsOnOutage` (default false). */
  defaultsOnOutage?: boolean;
  masking?: {
    /** Most values the masker keeps (default 10,000); values still cached are never dropped. */
    maxValues?: number;
  };
  /**
   * The clock for cache freshness, leases and the `timestamp` of operation events (what an audit
   * log records), in epoch milliseconds (default `Date.now`); for tests.
   */
  now?: () => number;
  /** Leased (dynamic) secrets: held for their lease, renewed in the background. */
  leases?: LeaseOptions;
  /**
   * Tiers between the in-process cache and the providers (a shared Redis for a fleet), asked in
   * order on a miss and written back after the providers answer. Each is skipped, never fatal,
   * when it fails or is slow.
   */
  cacheTiers?: CacheTierRegistration[];
  /** The environment this manager serves (`prod`); cache tiers bind their entries to it (default `default`). */
  environment?: string;
  /**
   * Offline mode: no network call at all. Providers that read this machine only (local, env)
   * are asked as usual; every other provider's values come from the persistent cache
   * (`cache.persistent`), and writes to them are refused. `HUSH_OFFLINE=1` sets it for managers
   * built from configuration.
   */
  offline?: boolean;
  /**
   * Put secret names on OpenTelemetry spans (`hush.secret.name`); off by default, as a name can
   * say more than it should. Values never go on a span.
   */
  traceNames?: boolean;
  /** Told about problems that do not fail an operation (a tampered cache file); default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

export interface ISecretManager {
  initialize(): Promise<void>;
  /** With `required: true` a missing secret throws `SecretNotFoundError`, so the result is a `Secret`. */
  getSecret(key: string, options: GetSecretOptions & { required: true }): Promise<Secret>;
  /** The secret, or null when no provider has it. */
  getSecret(key: string, options?: GetSecretOptions): Promise<Secret | null>;
  /** Many reads at once; uses batch get where a provider has it. Missing keys map to null. */
  getSecrets(
    keys: string[],
    options?: Omit<GetSecretOptions, 'version' | 'field' | 'previous'>,
  ): Promise<Map<string, Secret | null>>;
  setSecret(key: string, value: string, options?: SetSecretOptions): Promise<SecretInfo>;
  deleteSecret(key: string, options?: DeleteSecretOptions): Promise<void>;
  listSecrets(options?: string | ListSecretsOptions): Promise<SecretInfo[]>;
  rotateSecret(key: string, options?: string | RotateSecretOptions): Promise<SecretInfo>;
  getSecretVersion(key: string, version: string | number, options?: VersionOptions): Promise<Secret>;
  getSecretVersions(key: string, options?: VersionOptions): Promise<SecretVersion[]>;
  rollbackSecret(key: string, version: string | number, options?: VersionOptions): Promise<SecretInfo>;
  /** Replaces `${secret:...}` references in any string, object or array. */
  resolve<T>(value: T, options?: ResolveOptions): Promise<T>;
  healthCheck(): Promise<HealthStatus>;
  getMetrics(): Promise<SecretMetrics>;
  dispose(): Promise<void>;
}
