import { LRUCache } from 'lru-cache';
import type { Secret } from './secret.js';

export interface SecretCacheSettings {
  enabled: boolean;
  ttlMs: number;
  maxSize: number;
  staleIfErrorMs: number;
  versionTtlMs: number;
}

interface Entry {
  secret: Secret;
  name: string;
  freshUntil: number;
}

export interface CacheLookup {
  secret: Secret;
  fresh: boolean;
}

/**
 * The manager's read cache: LRU-bounded, TTL per entry, and an extra stale window during
 * which an expired value can still be served when every provider fails. Entries are indexed
 * by secret name so that a write drops every cached form of that secret (pins, versions).
 */
export class SecretCache {
  readonly #lru: LRUCache<string, Entry>;
  readonly #byName = new Map<string, Set<string>>();
  readonly counts = { hits: 0, misses: 0, staleServed: 0 };

  constructor(readonly settings: SecretCacheSettings) {
    this.#lru = new LRUCache<string, Entry>({
      // Expiry is ours (freshUntil + stale window, on Date.now) so the LRU only bounds the size.
      max: Math.max(1, settings.maxSize),
      dispose: (entry, key) => this.#unindex(entry.name, key),
    });
  }

  static key(name: string, version: string | undefined, provider: string | undefined): string {
    return `${provider ?? '*'}\u0000${name}\u0000${version ?? ''}`;
  }

  /** A fresh entry, or a stale one still inside the stale-if-error window. */
  lookup(key: string, now = Date.now()): CacheLookup | undefined {
    if (!this.settings.enabled) return undefined;
    const entry = this.#lru.get(key);
    if (!entry) return undefined;
    if (now < entry.freshUntil) return { secret: entry.secret, fresh: true };
    if (now < entry.freshUntil + this.settings.staleIfErrorMs) return { secret: entry.secret, fresh: false };
    this.#lru.delete(key);
    return undefined;
  }

  /** Keeps a read; `ttlMs` overrides the TTL (a provider's own cache setting). */
  store(
    key: string,
    name: string,
    secret: Secret,
    fixedVersion: boolean,
    ttlMs?: number,
    now = Date.now(),
  ): void {
    if (!this.settings.enabled) return;
    const ttl = fixedVersion
      ? Math.max(this.settings.versionTtlMs, ttlMs ?? 0)
      : (ttlMs ?? this.settings.ttlMs);
    if (ttl <= 0) return;
    this.#lru.set(key, { secret, name, freshUntil: now + ttl });
    const keys = this.#byName.get(name) ?? new Set<string>();
    this.#byName.set(name, keys);
    keys.add(key);
  }

  /** Drops every cached form of a secret (all pins and versions). */
  invalidate(name: string): void {
    for (const key of [...(this.#byName.get(name) ?? [])]) this.#lru.delete(key);
    this.#byName.delete(name);
  }

  clear(): void {
    this.#lru.clear();
    this.#byName.clear();
  }

  get size(): number {
    return this.#lru.size;
  }

  #unindex(name: string, key: string): void {
    const keys = this.#byName.get(name);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#byName.delete(name);
  }
}
