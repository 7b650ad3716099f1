import type { CacheTier, CacheTierEntry, CacheTierLock, CacheTierLockOptions } from '../src/index.js';

/**
 * What several processes share in these tests: entries by name and cache key, locks, and the
 * managers subscribed to invalidations. Each manager gets its own `MemoryTier` over it, as
 * each process has its own client of one Redis.
 */
export class SharedStore {
  readonly entries = new Map<string, Map<string, CacheTierEntry>>();
  readonly locks = new Set<string>();
  readonly subscribers = new Set<(name: string, origin: MemoryTier) => void>();
  /** Every sealed byte string ever written, for leak checks. */
  readonly written: Uint8Array[] = [];
}

/** An in-memory `CacheTier` over a `SharedStore`, with switches for outages and slowness. */
export class MemoryTier implements CacheTier {
  readonly name = 'memory';
  readonly calls = { get: 0, set: 0, delete: 0, lock: 0 };
  /** Every call throws (a refused connection). */
  down = false;
  /** Every call waits forever (a server that stopped answering). */
  hanging = false;
  #listeners = new Set<(name: string) => void>();
  #disposed = false;

  constructor(readonly store = new SharedStore()) {
    store.subscribers.add((name, origin) => {
      if (origin !== this) for (const listener of this.#listeners) listener(name);
    });
  }

  async get(name: string, key: string): Promise<CacheTierEntry | undefined> {
    this.calls.get++;
    await this.#enter();
    return this.store.entries.get(name)?.get(key);
  }

  async set(name: string, key: string, entry: CacheTierEntry): Promise<void> {
    this.calls.set++;
    await this.#enter();
    const forms = this.store.entries.get(name) ?? new Map<string, CacheTierEntry>();
    forms.set(key, entry);
    this.store.entries.set(name, forms);
    this.store.written.push(entry.sealed);
  }

  async delete(name: string): Promise<void> {
    this.calls.delete++;
    await this.#enter();
    this.store.entries.delete(name);
    for (const subscriber of this.store.subscribers) subscriber(name, this);
  }

  subscribe(onInvalidate: (name: string) => void): () => void {
    this.#listeners.add(onInvalidate);
    return () => this.#listeners.delete(onInvalidate);
  }

  async lock(name: string, key: string, options: CacheTierLockOptions): Promise<CacheTierLock> {
    this.calls.lock++;
    await this.#enter();
    const id = `${name}\u0000${key}`;
    if (!this.store.locks.has(id)) {
      this.store.locks.add(id);
      return { held: true, release: async () => void this.store.locks.delete(id) };
    }
    // Wait for the holder's entry, polling as a client of a remote store would.
    const deadline = performance.now() + options.waitMs;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const entry = this.store.entries.get(name)?.get(key);
      if (entry) return { held: false, entry };
      if (!this.store.locks.has(id)) break;
    }
    return { held: false };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  async #enter(): Promise<void> {
    if (this.hanging) await new Promise(() => undefined);
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
  }
}

/** 32 fixed bytes as base64: a tier key for tests. */
export const TIER_KEY = Buffer.alloc(32, 7).toString('base64');
