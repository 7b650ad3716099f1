/** What every tier call takes: the manager aborts the signal when the tier is too slow. */
export interface CacheTierCallOptions {
  abortSignal?: AbortSignal;
}

/**
 * A cache tier between the manager's in-process cache and the providers (a persistent file
 * for offline use, a shared Redis for a fleet). A read goes down the tiers and back up: a miss
 * in process asks each tier in order before the providers, and what the providers answer is
 * written back to every tier. The manager seals every entry (AES-256-GCM, AAD = environment,
 * name, version) before a tier sees it, so a tier only ever holds ciphertext; it honours the
 * manager's invalidations, and it is skipped, never fatal, when it fails or is slow.
 *
 * `name` is the secret's name; `key` is the cache key of one read of it (the name itself for a
 * plain read, another string for a version or a pinned provider). `delete(name)` drops every key.
 */
export interface CacheTier {
  readonly name: string;
  /** The entry for a cache key, or undefined on a miss (or when it is no longer fresh). */
  get(name: string, key: string, options?: CacheTierCallOptions): Promise<CacheTierEntry | undefined>;
  /**
   * Keeps an entry until its `freshUntil`: the answer of a read. A tier that records writes may
   * refuse it when the secret was written since the read began (`readMs` ago): it may be old.
   */
  set(name: string, key: string, entry: CacheTierEntry, options?: CacheTierSetOptions): Promise<void>;
  /**
   * Drops every entry of a secret (all versions and pins): called on each write through the
   * manager that cannot say what it wrote (a delete, a failed write). A shared tier also tells
   * the other managers of the fleet (see `subscribe`).
   */
  delete(name: string, options?: CacheTierCallOptions): Promise<void>;
  /**
   * Drops every entry of a secret as `delete` does, but keeps the value a write just made under
   * `key` (the plain read's), before the other managers of the fleet hear of the write: their
   * next read finds it, instead of all of them asking the providers at once. A tier that sees
   * another write of the secret during this one (`writeMs` long) keeps nothing, since it cannot
   * tell which of the two the provider holds now. Optional: without it, the manager deletes.
   */
  replace?(name: string, key: string, entry: CacheTierEntry, options: CacheTierReplaceOptions): Promise<void>;
  /**
   * Tells the manager about writes made elsewhere (another process of the fleet), so that it
   * drops its own copies. `undefined` means the tier may have missed some (its connection
   * dropped): the manager then drops every copy. Returns the unsubscribe function.
   */
  subscribe?(onInvalidate: (name: string | undefined) => void): () => void;
  /**
   * A single flight across processes: the first caller to miss a key holds it and fills it;
   * the others wait (bounded by `waitMs`) for the entry it writes. Resolves to `held: true`
   * (fill the key, then `release`), or to `held: false` with the entry another process wrote,
   * or without one when the wait ran out (then read the providers directly).
   */
  lock?(name: string, key: string, options: CacheTierLockOptions): Promise<CacheTierLock>;
  /** Counters for the manager's metrics (reconnects, published invalidations...). */
  metrics?(): Record<string, number>;
  /** Every entry the tier holds, for `hush cache status` (a persistent tier lists them). */
  entries?(options?: CacheTierCallOptions): Promise<CacheTierListing[]>;
  /** Drops every entry, or those of one secret; resolves to how many entries went. */
  clear?(name?: string, options?: CacheTierCallOptions): Promise<number>;
  dispose?(): Promise<void>;
}

/** One entry as a tier lists it: where it belongs and its times, never its contents. */
export interface CacheTierListing {
  name: string;
  key: string;
  entry: CacheTierEntry;
}

export interface CacheTierSetOptions extends CacheTierCallOptions {
  /** How long ago (ms) the read that produced the entry began: a write since then makes it suspect. */
  readMs?: number;
}

export interface CacheTierReplaceOptions extends CacheTierCallOptions {
  /** How long (ms) the provider's write took, from before the call to its answer. */
  writeMs: number;
}

export interface CacheTierLockOptions extends CacheTierCallOptions {
  /** How long to wait for another process's fill before giving up. */
  waitMs: number;
}

export type CacheTierLock =
  | { held: true; release(): Promise<void> }
  | { held: false; entry?: CacheTierEntry };

/** What a tier keeps for one cache key: sealed bytes and when they stop being fresh. */
export interface CacheTierEntry {
  /** AES-256-GCM ciphertext of the secret, AAD = environment, name, version. */
  sealed: Uint8Array;
  version: string;
  /** Epoch ms after which the entry is stale. */
  freshUntil: number;
  /** Epoch ms at which a provider served the value (the persistent tier reports ages from it). */
  fetchedAt?: number;
}

/** A tier as the manager holds it: the tier, the key it seals with, and how long it may take. */
export interface CacheTierRegistration {
  tier: CacheTier;
  /** 32 random bytes (base64 or hex text, as `hush keygen` prints): entries are sealed under a key derived from it. */
  key: string | Uint8Array;
  /** Longest a get, set or delete may take before the tier is skipped (default 250ms). */
  timeout?: number | string;
  /** Longest a read waits for another process filling the same key (default 2s). */
  lockWait?: number | string;
}

/** What the kernel hands a tier plugin's `create`. */
export interface CacheTierContext {
  /** The configuration's environment (`prod`): tiers keep environments apart. */
  environment: string;
  /** The application's root directory. */
  root: string;
  env: Record<string, string | undefined>;
}

/** A tier package's default export (`@hush/cache-<kind>`), named by `cache.shared.kind`. */
export interface CacheTierPlugin<Options = Record<string, unknown>> {
  kind: string;
  create(options: Options, context: CacheTierContext): CacheTier | Promise<CacheTier>;
}

export function defineCacheTierPlugin<Options>(plugin: CacheTierPlugin<Options>): CacheTierPlugin<Options> {
  return plugin;
}
