import { MemoryProvider } from '@hush/testkit';
import type {
  CacheTier,
  CacheTierEntry,
  CacheTierLock,
  CacheTierLockOptions,
  CacheTierReplaceOptions,
  CacheTierSetOptions,
} from '../src/index.js';

/**
 * What several processes share in these tests: entries by name and cache key, locks, and the
 * managers subscribed to invalidations. Each manager gets its own `MemoryTier` over it, as
 * each process has its own client of one Redis.
 */
export class SharedStore {
  /**
   * The store's own clock in ms, as Redis has its own: it moves only when a test moves it, so
   * that whether two writes overlap never depends on how busy the machine is.
   */
  constructor(readonly clock: { now: number } = { now: 1_000_000 }) {}
  readonly entries = new Map<string, Map<string, CacheTierEntry>>();
  readonly locks = new Set<string>();
  readonly subscribers = new Set<(name: string, origin: MemoryTier) => void>();
  /** Every sealed byte string ever written, for leak checks. */
  readonly written: Uint8Array[] = [];
  /** What the last write or delete of each name left (a `ReplacingMemoryTier` keeps them). */
  readonly marks = new Map<string, { at: number; version: string }>();
  /** Invalidations on their way (while `holdMessages` is on), as pub/sub delivers them later. */
  #held: Array<() => void> | undefined;

  /** From now on invalidations wait for `deliver`. */
  holdMessages(): void {
    this.#held ??= [];
  }

  /** Delivers the invalidations held, and stops holding them. */
  deliver(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const send of held) send();
  }

  send(name: string, origin: MemoryTier): void {
    for (const subscriber of this.subscribers) {
      if (this.#held) this.#held.push(() => subscriber(name, origin));
      else subscriber(name, origin);
    }
  }
}

/** An in-memory `CacheTier` over a `SharedStore`, with switches for outages and slowness. */
export class MemoryTier implements CacheTier {
  readonly name = 'memory';
  readonly calls = { get: 0, set: 0, delete: 0, lock: 0, replace: 0 };
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

  async set(name: string, key: string, entry: CacheTierEntry, options?: CacheTierSetOptions): Promise<void> {
    this.calls.set++;
    await this.#enter();
    if (this.refuses(name, entry, options)) return;
    const forms = this.store.entries.get(name) ?? new Map<string, CacheTierEntry>();
    forms.set(key, entry);
    this.store.entries.set(name, forms);
    this.store.written.push(entry.sealed);
  }

  async delete(name: string): Promise<void> {
    this.calls.delete++;
    await this.#enter();
    this.store.entries.delete(name);
    this.marked(name, '');
    this.publish(name);
  }

  /** Whether a fill is refused: a plain `MemoryTier` keeps every fill, as a tier without marks does. */
  protected refuses(_name: string, _entry: CacheTierEntry, _options?: CacheTierSetOptions): boolean {
    return false;
  }

  protected marked(_name: string, _version: string): void {}

  protected publish(name: string): void {
    this.store.send(name, this);
  }

  protected async enter(): Promise<void> {
    await this.#enter();
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

/** As Redis's scripts do: durations a manager measured are widened by this much (ms). */
const SLACK_MS = 50;

/**
 * A `MemoryTier` that keeps a write's value (`replace`) and the marks Redis's tier keeps: a fill
 * from a read begun before a write of another version is refused, and overlapping writes keep
 * nothing. The store's clock stands for Redis's, with the same slack.
 */
export class ReplacingMemoryTier extends MemoryTier {
  async replace(name: string, key: string, entry: CacheTierEntry, options: CacheTierReplaceOptions) {
    this.calls.replace++;
    await this.enter();
    const mark = this.store.marks.get(name);
    const overlapped = mark !== undefined && mark.at >= this.store.clock.now - options.writeMs - SLACK_MS;
    this.store.entries.delete(name);
    if (!overlapped) {
      this.store.entries.set(name, new Map([[key, entry]]));
      this.store.written.push(entry.sealed);
    }
    this.marked(name, overlapped ? '' : entry.version);
    this.publish(name);
  }

  protected override refuses(name: string, entry: CacheTierEntry, options?: CacheTierSetOptions): boolean {
    const mark = this.store.marks.get(name);
    if (!mark || options?.readMs === undefined || mark.version === entry.version) return false;
    return mark.at >= this.store.clock.now - options.readMs - SLACK_MS;
  }

  protected override marked(name: string, version: string): void {
    this.store.marks.set(name, { at: this.store.clock.now, version });
  }
}

/**
 * A `MemoryProvider` whose reads, once `hold` is called, keep their answer until `release`: a
 * test can write between a read's answer and what the read does with it.
 */
export class HeldProvider extends MemoryProvider {
  #gate: Promise<void> | undefined;
  #open?: () => void;
  #answered?: () => void;

  /** Holds the next reads; resolves once one of them has its answer. */
  hold(): Promise<void> {
    this.#gate = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
    return new Promise<void>((resolve) => {
      this.#answered = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  override async get(...args: Parameters<MemoryProvider['get']>): ReturnType<MemoryProvider['get']> {
    const answer = await super.get(...args);
    if (this.#gate) {
      this.#answered?.();
      await this.#gate;
    }
    return answer;
  }
}

/** 32 fixed bytes as base64: a tier key for tests. */
export const TIER_KEY = Buffer.alloc(32, 7).toString('base64');
