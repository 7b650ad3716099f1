import { LRUCache } from 'lru-cache';
import type { Secret } from './secret.js';

export interface SecretCacheSettings {
  enabled: boolean;
  ttlMs: number;
  maxSize: number;
  staleIfErrorMs: number;
  versionTtlMs: number;
  /** The last fraction of a TTL in which a read starts a background refresh (0: off). */
  refreshAhead: number;
  /** Epoch milliseconds. */
  now: () => number;
  /** Told when an entry leaves the cache (the masker unpins its value). */
  onEvict?: (secret: Secret) => void;
}

// lru-cache writes a status field into the options of each get: one shared object, so that a hit allocates nothing.
const GET_OPTIONS: { status?: undefined } = {};

interface Entry {
  secret: Secret;
  name: string;
  freshUntil: number;
  /** From here on a read starts a background refresh (Infinity: never). */
  refreshAt: number;
  /** The read that filled the entry, for its refresh. */
  version: string | undefined;
  pin: string | undefined;
}

/** Told when a read lands in the refresh-ahead window of an entry (once per entry). */
export type RefreshDue = (name: string, version: string | undefined, pin: string | undefined) => void;

export interface CacheLookup {
  secret: Secret;
  fresh: boolean;
}

/**
 * The manager's read cache: LRU-bounded, TTL per entry, and an extra stale window during
 * which an expired value can still be served when every provider fails.
 *
 * A plain read (no version, no pin) is kept under the bare name, so that the hot path builds
 * no key; other reads under `pin NUL name NUL version`. Entries are indexed by name so that a
 * write drops every cached form of that secret.
 *
 * Each name has a generation, bumped by every write through the manager. A read notes the
 * generation when it starts and may store its answer only if no write happened since: a read
 * that was in flight during a write can never put the old value back.
 */
export class SecretCache {
  readonly #lru: LRUCache<string, Entry>;
  readonly #byName = new Map<string, Set<string>>();
  readonly #generations = new Map<string, number>();
  /** Bumped when every entry is dropped at once (a tier that may have missed invalidations). */
  #epoch = 0;
  readonly counts = {
    hits: 0,
    misses: 0,
    staleServed: 0,
    offlineServed: 0,
    refreshes: 0,
    refreshFailures: 0,
  };
  /** Set by the read path when refresh-ahead is on. */
  onRefreshDue?: RefreshDue;

  constructor(readonly settings: SecretCacheSettings) {
    this.#lru = new LRUCache<string, Entry>({
      // Expiry is ours (freshUntil + stale window) so the LRU only bounds the size.
      max: Math.max(1, settings.maxSize),
      dispose: (entry, key) => {
        if (key !== entry.name) this.#unindex(entry.name, key);
        settings.onEvict?.(entry.secret);
      },
    });
  }

  /** The cache key of a read: the bare name for a plain read. */
  static key(name: string, version: string | undefined, provider: string | undefined): string {
    return version === undefined && provider === undefined
      ? name
      : `${provider ?? '*'}\u0000${name}\u0000${version ?? ''}`;
  }

  /** The fresh value of a plain read, or undefined: the allocation-free hot path. */
  fresh(name: string): Secret | undefined {
    if (!this.settings.enabled) return undefined;
    const entry = this.#lru.get(name, GET_OPTIONS);
    if (entry === undefined) return undefined;
    const now = this.settings.now();
    if (now >= entry.freshUntil) return undefined;
    if (now >= entry.refreshAt) this.#due(entry);
    return entry.secret;
  }

  /** A fresh entry, or a stale one still inside the stale-if-error window. */
  lookup(key: string): CacheLookup | undefined {
    if (!this.settings.enabled) return undefined;
    const entry = this.#lru.get(key, GET_OPTIONS);
    if (!entry) return undefined;
    const now = this.settings.now();
    if (now < entry.freshUntil) {
      if (now >= entry.refreshAt) this.#due(entry);
      return { secret: entry.secret, fresh: true };
    }
    if (now < entry.freshUntil + this.settings.staleIfErrorMs) return { secret: entry.secret, fresh: false };
    this.#lru.delete(key);
    return undefined;
  }

  /**
   * The name's generation: a read takes it when it starts. Both parts only grow, so the sum
   * changes whenever either does.
   */
  generation(name: string): number {
    return (this.#generations.get(name) ?? 0) + this.#epoch;
  }

  /** How long a read stays fresh: `ttlMs` is a provider's own setting, a fixed version is kept longer. */
  ttlFor(fixedVersion: boolean, ttlMs?: number): number {
    return fixedVersion ? Math.max(this.settings.versionTtlMs, ttlMs ?? 0) : (ttlMs ?? this.settings.ttlMs);
  }

  /**
   * Keeps a read, unless the name was written since `generation` (then the answer may be old).
   * `ttlMs` overrides the TTL (a provider's own cache setting; a tier's remaining freshness).
   * Returns whether it was kept.
   */
  store(
    key: string,
    name: string,
    secret: Secret,
    generation: number,
    fixedVersion: boolean,
    ttlMs?: number,
    version?: string,
    pin?: string,
  ): boolean {
    if (!this.settings.enabled || generation !== this.generation(name)) return false;
    const ttl = this.ttlFor(fixedVersion, ttlMs);
    if (ttl <= 0) return false;
    const now = this.settings.now();
    const ahead = this.settings.refreshAhead;
    // A fixed version never changes: nothing to refresh ahead.
    const refreshAt =
      ahead > 0 && !fixedVersion && version === undefined
        ? now + ttl * (1 - ahead)
        : Number.POSITIVE_INFINITY;
    this.#lru.set(key, { secret, name, freshUntil: now + ttl, refreshAt, version, pin });
    if (key !== name) {
      const keys = this.#byName.get(name) ?? new Set<string>();
      this.#byName.set(name, keys);
      keys.add(key);
    }
    return true;
  }

  /**
   * A write to `name` begins or ends: every cached form is dropped and reads already in flight
   * lose the right to store what they read.
   */
  written(name: string): void {
    this.#generations.set(name, (this.#generations.get(name) ?? 0) + 1);
    this.invalidate(name);
  }

  /** Drops every cached form of a secret (all pins and versions). */
  invalidate(name: string): void {
    this.#lru.delete(name);
    for (const key of [...(this.#byName.get(name) ?? [])]) this.#lru.delete(key);
    this.#byName.delete(name);
  }

  /** The fresh entries, with their remaining freshness (a reload hands them to the next manager). */
  *entries(): Generator<{
    key: string;
    name: string;
    secret: Secret;
    remainingMs: number;
    version?: string;
    pin?: string;
  }> {
    const now = this.settings.now();
    for (const [key, entry] of this.#lru.entries())
      if (now < entry.freshUntil)
        yield {
          key,
          name: entry.name,
          secret: entry.secret,
          remainingMs: entry.freshUntil - now,
          ...(entry.version !== undefined ? { version: entry.version } : {}),
          ...(entry.pin !== undefined ? { pin: entry.pin } : {}),
        };
  }

  /** Drops every entry, and reads in flight lose the right to store what they read. */
  writtenAll(): void {
    this.#epoch++;
    this.clear();
  }

  clear(): void {
    this.#lru.clear();
    this.#byName.clear();
  }

  get size(): number {
    return this.#lru.size;
  }

  #due(entry: Entry): void {
    if (this.onRefreshDue === undefined) return;
    // Once per entry: the refresh replaces it.
    entry.refreshAt = Number.POSITIVE_INFINITY;
    this.counts.refreshes++;
    this.onRefreshDue(entry.name, entry.version, entry.pin);
  }

  #unindex(name: string, key: string): void {
    const keys = this.#byName.get(name);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#byName.delete(name);
  }
}
