// What `healthCheck()` and `getMetrics()` report.

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

/** A cache tier's counters. A failed or slow call is counted and skipped, never an error for a read. */
export interface CacheTierMetrics {
  hits: number;
  misses: number;
  /** Entries written back after a provider answered. */
  writes: number;
  /** Secrets dropped by writes through this manager. */
  deletes: number;
  /** Secrets whose entries a write through this manager replaced with the value it wrote. */
  replaces: number;
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
