/**
 * A cache tier between the manager's in-process cache and the providers (a persistent file
 * for offline use, a shared Redis for a fleet). A read goes down the tiers and back up: a miss
 * in process asks each tier in order before the providers, and what the providers answer is
 * written back to every tier. A tier stores only ciphertext, honours the manager's
 * invalidations, and is skipped, never fatal, when it fails.
 */
export interface CacheTier {
  readonly name: string;
  /** The entry for a cache key, or undefined on a miss. */
  get(key: string, options?: { abortSignal?: AbortSignal }): Promise<CacheTierEntry | undefined>;
  set(key: string, entry: CacheTierEntry, options?: { abortSignal?: AbortSignal }): Promise<void>;
  /** Drops every entry of a secret (all versions and pins): called on each write through the manager. */
  delete(name: string): Promise<void>;
  /**
   * Tells the manager about writes made elsewhere (another process of the fleet), so that it
   * drops its own copies. Returns the unsubscribe function.
   */
  subscribe?(onInvalidate: (name: string) => void): () => void;
  dispose?(): Promise<void>;
}

/** What a tier keeps for one cache key: sealed bytes and when they stop being fresh. */
export interface CacheTierEntry {
  /** AES-256-GCM ciphertext, AAD = environment, name, version. */
  sealed: Uint8Array;
  name: string;
  version: string;
  /** Epoch ms after which the entry is stale. */
  freshUntil: number;
}
