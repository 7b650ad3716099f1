import { randomBytes } from 'node:crypto';
import type {
  CacheTier,
  CacheTierEntry,
  CacheTierLock,
  CacheTierLockOptions,
  CacheTierReplaceOptions,
  CacheTierSetOptions,
} from '@hush/core';
import { Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from './entry.js';
import { FillSignals, type FillWatch } from './fill-signals.js';
import { type RedisCacheTierOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { DROP, FILL, MARK, RELEASE, REPLACE } from './scripts.js';

interface Message {
  /**
   * `i`: a secret was written (drop it); `f`: a key was filled, `r`: its lock let go (waiters
   * look again at once, instead of polling).
   */
  t: 'i' | 'f' | 'r';
  /** The instance that sent it: a tier ignores its own invalidations. */
  o: string;
  n: string;
  k?: string;
}

/**
 * A shared cache tier on Redis. Each secret is one hash (`<prefix><environment>:s:<name>`) whose
 * fields are its cache keys and whose values are entries sealed by the manager, with a Redis TTL
 * as long as its freshest entry. A delete drops the hash and publishes an invalidation on
 * `<prefix><environment>:events`, which every other tier of the fleet hands to its manager; a
 * replace (a write that knows its value) keeps the new entry in the hash before it publishes, so
 * that the fleet's next reads find it there. Fills are locked per key with `SET NX PX`, so that
 * processes missing together make one backend call. Writes leave a mark in the hash that keeps a
 * read begun before them from filling it with what it read (see scripts.ts).
 *
 * Commands never queue while Redis is away: they fail at once and the manager skips the tier.
 */
export class RedisCacheTier implements CacheTier {
  readonly name: string;
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #options: ResolvedOptions;
  readonly #id = randomBytes(8).toString('hex');
  readonly #listeners = new Set<(name: string | undefined) => void>();
  readonly #signals = new FillSignals();
  #subscriber?: Redis;
  #subscribed?: Promise<unknown>;
  readonly #counts = {
    reconnects: 0,
    connectionErrors: 0,
    published: 0,
    received: 0,
    lockTimeouts: 0,
    /** Fills refused: the read began before a write of another version. */
    staleFills: 0,
    /** Replaces that kept nothing: another write of the secret overlapped. */
    overlappingWrites: 0,
  };

  constructor(options: RedisCacheTierOptions, environment = 'default') {
    this.#options = resolveOptions(options, environment);
    this.name = this.#options.name;
    this.#ownsClient = options.client === undefined;
    this.#client =
      options.client ??
      new Redis(options.url!, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: this.#options.connectTimeoutMs,
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
      });
    this.#watch(this.#client);
  }

  /** Connects, waiting at most `connectTimeout`; when Redis is away the tier keeps trying in the background. */
  async connect(): Promise<void> {
    if (this.#client.status !== 'wait') return;
    const connecting = this.#client.connect().catch(() => undefined);
    await Promise.race([connecting, delay(this.#options.connectTimeoutMs)]);
  }

  async get(name: string, key: string): Promise<CacheTierEntry | undefined> {
    const bytes = await this.#client.hgetBuffer(this.#secretKey(name), key);
    if (!bytes) return undefined;
    const entry = decodeEntry(bytes);
    return entry && entry.freshUntil > this.#options.now() ? entry : undefined;
  }

  async set(
    name: string,
    key: string,
    entry: CacheTierEntry,
    options: CacheTierSetOptions = {},
  ): Promise<void> {
    const ttl = Math.ceil(entry.freshUntil - this.#options.now());
    if (ttl <= 0) return;
    // The hash lives as long as its freshest entry; readers waiting for this key (other
    // processes) hear of the fill and look for it now.
    const filled: Message = { t: 'f', o: this.#id, n: name, k: key };
    const kept = await this.#client.eval(
      FILL,
      1,
      this.#secretKey(name),
      MARK,
      key,
      encodeEntry(entry),
      entry.version,
      ttl,
      options.readMs === undefined ? -1 : Math.ceil(options.readMs),
      this.#channel,
      JSON.stringify(filled),
    );
    if (kept === 1) this.#counts.published++;
    else this.#counts.staleFills++;
  }

  async replace(
    name: string,
    key: string,
    entry: CacheTierEntry,
    options: CacheTierReplaceOptions,
  ): Promise<void> {
    const ttl = Math.max(1, Math.ceil(entry.freshUntil - this.#options.now()));
    const kept = await this.#client.eval(
      REPLACE,
      1,
      this.#secretKey(name),
      MARK,
      key,
      encodeEntry(entry),
      entry.version,
      ttl,
      Math.ceil(options.writeMs),
      this.#channel,
      JSON.stringify({ t: 'i', o: this.#id, n: name } satisfies Message),
    );
    this.#counts.published++;
    if (kept !== 1) this.#counts.overlappingWrites++;
  }

  async delete(name: string): Promise<void> {
    const message: Message = { t: 'i', o: this.#id, n: name };
    await this.#client.eval(DROP, 1, this.#secretKey(name), MARK, this.#channel, JSON.stringify(message));
    this.#counts.published++;
  }

  subscribe(onInvalidate: (name: string | undefined) => void): () => void {
    this.#listeners.add(onInvalidate);
    this.#startSubscriber();
    return () => this.#listeners.delete(onInvalidate);
  }

  async lock(name: string, key: string, options: CacheTierLockOptions): Promise<CacheTierLock> {
    const id = `${name}\u0000${key}`;
    const lockKey = `${this.#base}l:${id}`;
    const token = randomBytes(12).toString('hex');
    this.#startSubscriber();
    // Watched before the claim: the holder's fill or release, whenever it comes after, wakes this reader.
    const watch = this.#signals.watch(id);
    try {
      const taken = await this.#client.set(lockKey, token, 'PX', this.#options.lockTtlMs, 'NX');
      if (taken === 'OK') return await this.#claimed(name, key, lockKey, token);
      return await this.#waitForFill(name, key, lockKey, options, watch);
    } finally {
      watch.close();
    }
  }

  /** This process holds the key: it fills it, unless another process did between its miss and its claim. */
  async #claimed(name: string, key: string, lockKey: string, token: string): Promise<CacheTierLock> {
    const released: Message = { t: 'r', o: this.#id, n: name, k: key };
    const release = async () => {
      await this.#client.eval(RELEASE, 1, lockKey, token, this.#channel, JSON.stringify(released));
    };
    // Between this caller's miss and its claim, another process may have filled the key and let
    // go of the lock: its entry, then, not a second backend read. (If Redis fails here, the lock
    // is held all the same and the caller fills it.)
    const entry = await this.get(name, key).catch(() => undefined);
    if (!entry) return { held: true, release };
    await release().catch(() => undefined);
    return { held: false, entry };
  }

  /**
   * Another process holds the key: wait for its entry, woken by its fill or release message, and
   * look on a slow poll only in case a message was lost (the subscription was down).
   */
  async #waitForFill(
    name: string,
    key: string,
    lockKey: string,
    options: CacheTierLockOptions,
    watch: FillWatch,
  ): Promise<CacheTierLock> {
    const deadline = performance.now() + options.waitMs;
    // The manager gave up on this call: stop waiting now, not at the next look. The listener goes
    // when the wait ends, since the manager reuses a signal that was never aborted.
    const wake = () => watch.wake();
    options.abortSignal?.addEventListener('abort', wake, { once: true });
    try {
      return await this.#lookUntil(name, key, lockKey, options, watch, deadline);
    } finally {
      options.abortSignal?.removeEventListener('abort', wake);
    }
  }

  async #lookUntil(
    name: string,
    key: string,
    lockKey: string,
    options: CacheTierLockOptions,
    watch: FillWatch,
    deadline: number,
  ): Promise<CacheTierLock> {
    while (performance.now() < deadline && !options.abortSignal?.aborted) {
      await watch.wait(Math.min(this.#options.lockPollMs, deadline - performance.now()));
      const [entry, locked] = await Promise.all([this.get(name, key), this.#client.exists(lockKey)]);
      if (entry) return { held: false, entry };
      if (!locked) {
        // The holder may have filled the key and let go between those two commands: look again,
        // now that the lock is gone. Nothing there: it left without filling (not found, or its
        // read failed), so read directly.
        const late = await this.get(name, key).catch(() => undefined);
        return late ? { held: false, entry: late } : { held: false };
      }
    }
    this.#counts.lockTimeouts++;
    return { held: false };
  }

  metrics(): Record<string, number> {
    return { ...this.#counts };
  }

  async dispose(): Promise<void> {
    this.#listeners.clear();
    const closing: Array<Promise<unknown>> = [];
    if (this.#subscriber) closing.push(quit(this.#subscriber));
    if (this.#ownsClient) closing.push(quit(this.#client));
    await Promise.allSettled(closing);
  }

  get #base(): string {
    return `${this.#options.prefix}${this.#options.environment}:`;
  }

  #secretKey(name: string): string {
    return `${this.#base}s:${name}`;
  }

  get #channel(): string {
    return `${this.#base}events`;
  }

  #startSubscriber(): void {
    if (this.#subscriber) return;
    const subscriber = this.#client.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    this.#subscriber = subscriber;
    this.#watch(subscriber);
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Invalidations sent while this connection was down were lost: the manager drops every copy.
      if (connectedBefore) for (const listener of this.#listeners) listener(undefined);
      connectedBefore = true;
    });
    subscriber.on('message', (_channel: string, text: string) => this.#receive(text));
    this.#subscribed = subscriber.subscribe(this.#channel).catch(() => undefined);
  }

  /** Resolves once the invalidation subscription is in place (tests and benchmarks wait for it). */
  async subscribed(): Promise<void> {
    this.#startSubscriber();
    await this.#subscribed;
  }

  #receive(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (typeof message?.n !== 'string') return;
    if (message.t === 'f' || message.t === 'r') {
      this.#signals.notify(`${message.n}\u0000${message.k}`);
      return;
    }
    if (message.t !== 'i' || message.o === this.#id) return;
    this.#counts.received++;
    for (const listener of this.#listeners) listener(message.n);
  }

  #watch(client: Redis): void {
    // An unwatched 'error' event would end the process; connection trouble is counted instead.
    client.on('error', () => {
      this.#counts.connectionErrors++;
    });
    client.on('reconnecting', () => {
      this.#counts.reconnects++;
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function quit(client: Redis): Promise<void> {
  try {
    await Promise.race([client.quit(), delay(500)]);
  } finally {
    client.disconnect();
  }
}
