import { SecretCache } from './cache.js';
import { type ProviderFailure, ProviderUnavailableError } from './errors.js';
import type { LeaseKeeper } from './leases.js';
import type { Masker } from './masker.js';
import { monotonicMs } from './monotonic.js';
import type { PersistentCache } from './persistent.js';
import type { ProviderChain } from './routing.js';
import type { Secret } from './secret.js';
import { isDefinitive, offlineMiss, type ProviderSlot } from './slot.js';
import type { CacheTiers, TierHit } from './tiers.js';

interface Flight {
  generation: number;
  promise: Promise<Secret | null>;
}

export interface ReadResult {
  secret: Secret | null;
  /** The cache answered (fresh, or stale because every provider failed). */
  cached: boolean;
}

/**
 * The first provider's answer to a read that asked it before taking the read path (a lean read,
 * see `leanSlot`): the chain goes on from the next provider instead of asking it again.
 */
export type FirstAnswer =
  | { slot: ProviderSlot; secret: Secret | null; error?: undefined }
  | { slot: ProviderSlot; error: { thrown: unknown } };

/** In offline mode: the persistent copy for a provider that is not contacted, if it served it. */
type CopyFor = (slot: ProviderSlot) => Promise<Secret | undefined>;

/**
 * One secret's read: the cache, then a single flight per key, then the cache tiers (a shared
 * Redis: with its lock, one flight per key across processes), then the provider chain; a stale
 * value when every provider fails inside the stale-if-error window, else the persistent copy.
 * A read in the last part of an entry's TTL (`refreshAhead`) starts a refresh in the background.
 * In offline mode, providers that need the network are answered by their persistent copies.
 */
export class ReadPath {
  readonly #inflight = new Map<string, Flight>();

  constructor(
    private readonly chain: ProviderChain,
    private readonly cache: SecretCache,
    private readonly masker: Masker,
    private readonly tiers: CacheTiers,
    private readonly leases: LeaseKeeper,
    private readonly persistent?: PersistentCache,
  ) {
    if (cache.settings.refreshAhead > 0)
      cache.onRefreshDue = (name, version, pin) => this.#refresh(name, version, pin);
    // A lease to replace: a fresh read, in one flight with any read of the name in the air.
    leases.refetch = (name) => this.#flight(name, undefined, undefined, name, true).promise;
  }

  /** The hot path: a fresh cached plain read, counted as a hit; undefined otherwise. */
  hit(name: string): Secret | undefined {
    const secret = this.cache.fresh(name);
    if (secret !== undefined) this.cache.counts.hits++;
    return secret;
  }

  /** A fresh cached answer for any read (versions and pins too), counted as a hit; undefined otherwise. */
  cached(name: string, version: string | undefined, pin: string | undefined): Secret | undefined {
    if (version === undefined && pin === undefined) return this.hit(name);
    const cached = this.cache.lookup(SecretCache.key(name, version, pin));
    if (!cached?.fresh) return undefined;
    this.cache.counts.hits++;
    return cached.secret;
  }

  /**
   * The provider a plain read of `name` may ask at once, before the read path: the first of the
   * chain, started, whose answers are never cached (an agent: itself a cache), with no tier to
   * look in before it, no lease held and no flight of the name in the air. Undefined otherwise.
   * A lean read that finds the value gives it to `served`; any other answer goes to `read` as
   * its `first`.
   */
  leanSlot(name: string): ProviderSlot | undefined {
    if (this.chain.offline || this.leases.size > 0 || this.#inflight.has(name)) return undefined;
    if (!this.tiers.none && this.cache.settings.enabled) return undefined;
    const slot = this.chain.slots[0];
    return slot?.cacheTtlMs === 0 && slot.started && !slot.unreachable ? slot : undefined;
  }

  /** A plain read's value found by its lean read: counted and kept as `read` would have. */
  served(name: string, secret: Secret, generation: number): void {
    this.cache.counts.misses++;
    this.#keep(name, name, undefined, undefined, secret, generation);
  }

  async read(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    fresh: boolean,
    first?: FirstAnswer,
  ): Promise<ReadResult> {
    const key = SecretCache.key(name, version, pin);
    // A leased value is held for its lease, whatever the cache settings say.
    const leased = fresh || version !== undefined ? undefined : this.leases.current(name, pin);
    if (leased) {
      this.cache.counts.hits++;
      return { secret: leased, cached: true };
    }
    const cached = fresh ? undefined : this.cache.lookup(key);
    if (cached?.fresh) {
      this.cache.counts.hits++;
      return { secret: cached.secret, cached: true };
    }
    this.cache.counts.misses++;
    if (this.chain.offline) return this.#readOffline(name, version, pin, key);
    const flight = this.#flight(name, version, pin, key, fresh, first);
    try {
      return { secret: await flight.promise, cached: false };
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      if (cached) {
        this.cache.counts.staleServed++;
        return { secret: cached.secret, cached: true };
      }
      // Every provider failed: the persistent copy, if one is young enough (stale-if-error, long window).
      const copy = await this.persistent?.recall(name, key);
      if (!copy) throw error;
      this.cache.counts.offlineServed++;
      this.masker.add(copy.secret.value);
      return { secret: copy.secret, cached: true };
    }
  }

  /** Offline mode: local providers as usual, every other one by its persistent copy; no tier. */
  async #readOffline(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    key: string,
  ): Promise<ReadResult> {
    const generation = this.cache.generation(name);
    let looked: Promise<TierHit | undefined> | undefined;
    const served: { copy?: TierHit } = {};
    const secret = await this.readChain(name, version, pin, async (slot) => {
      looked ??= this.persistent?.recall(name, key) ?? Promise.resolve(undefined);
      const copy = await looked;
      if (copy?.secret.provider !== slot.name) return undefined;
      served.copy = copy;
      return copy.secret;
    });
    if (!secret) return { secret: null, cached: false };
    if (served.copy?.secret !== secret) {
      this.#keep(key, name, version, pin, secret, generation);
      return { secret, cached: false };
    }
    this.cache.counts.offlineServed++;
    return { secret: this.#keepHit(key, name, version, pin, served.copy, generation, false), cached: true };
  }

  /** The flight for a key: the one in the air, or a new one. */
  #flight(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    key: string,
    fresh: boolean,
    first?: FirstAnswer,
  ): Flight {
    const generation = this.cache.generation(name);
    const flight = this.#inflight.get(key);
    // A flight that started before a write may carry the old value: never join it.
    if (flight && flight.generation === generation) return flight;
    const started: Flight = {
      generation,
      promise: this.#fetch(name, version, pin, key, generation, fresh, first),
    };
    this.#inflight.set(key, started);
    // One reaction for both outcomes (a failure is the reader's to see, not this one's).
    const landed = () => {
      if (this.#inflight.get(key) === started) this.#inflight.delete(key);
    };
    started.promise.then(landed, landed);
    return started;
  }

  /** Refresh-ahead: a background read of the providers that replaces the entry; a failure keeps it. */
  #refresh(name: string, version: string | undefined, pin: string | undefined): void {
    const key = SecretCache.key(name, version, pin);
    this.#flight(name, version, pin, key, true).promise.catch(() => {
      this.cache.counts.refreshFailures++;
    });
  }

  async #fetch(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    key: string,
    generation: number,
    fresh: boolean,
    first: FirstAnswer | undefined,
  ): Promise<Secret | null> {
    if (this.tiers.none || !this.cache.settings.enabled) {
      const secret = await this.readChain(name, version, pin, undefined, first);
      if (secret) this.#keep(key, name, version, pin, secret, generation);
      return secret;
    }
    return this.#fetchThroughTiers(name, version, pin, key, generation, fresh, first);
  }

  /**
   * Down the tiers and back up: a fresh tier entry answers; otherwise the first process to
   * claim the key reads the providers and fills the tiers while the others wait for its entry.
   * A `fresh` read (and a refresh) skips the tiers' entries but fills them.
   */
  async #fetchThroughTiers(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    key: string,
    generation: number,
    fresh: boolean,
    first: FirstAnswer | undefined,
  ): Promise<Secret | null> {
    if (!fresh) {
      const hit = await this.tiers.lookup(name, key);
      if (hit) return this.#keepHit(key, name, version, pin, hit, generation, true);
    }
    // A provider whose answers are never cached (an agent: itself a cache) gets no fill lock: the
    // holder would fill nothing, and the agent behind it, a waiter on the same tier, would wait for it.
    const leading = this.chain.readSlots(pin, version)[0];
    const claim =
      fresh || leading?.cacheTtlMs === 0 ? ({ kind: 'none' } as const) : await this.tiers.claim(name, key);
    if (claim.kind === 'filled') return this.#keepHit(key, name, version, pin, claim.hit, generation, true);
    try {
      const began = monotonicMs();
      const secret = await this.readChain(name, version, pin, undefined, first);
      if (secret?.lease) this.#keep(key, name, version, pin, secret, generation);
      else if (secret) {
        const ttl = this.cache.ttlFor(version !== undefined, this.chain.find(secret.provider)?.cacheTtlMs);
        // A write here or elsewhere in the fleet since the read began: its answer may be old.
        if (ttl > 0 && this.cache.generation(name) === generation)
          await this.tiers.fill(name, key, secret, this.cache.settings.now() + ttl, monotonicMs() - began);
        this.#keep(key, name, version, pin, secret, generation);
      }
      return secret;
    } finally {
      if (claim.kind === 'held') await claim.release();
    }
  }

  #keep(
    key: string,
    name: string,
    version: string | undefined,
    pin: string | undefined,
    secret: Secret,
    generation: number,
  ): void {
    const slot = this.chain.find(secret.provider);
    // A leased value goes to the lease keeper, never to the cache, its tiers or the disk.
    if (secret.lease && slot && version === undefined) {
      this.leases.keep(name, secret, slot);
      return;
    }
    const fixed = version !== undefined;
    const kept = this.cache.store(key, name, secret, generation, fixed, slot?.cacheTtlMs, version, pin);
    this.masker.add(secret.value, { pinned: kept });
    this.#remember(key, name, secret, generation);
  }

  /** A value a remote provider served (directly or through a shared tier) goes to the persistent tier. */
  #remember(key: string, name: string, secret: Secret, generation: number): void {
    if (!this.persistent) return;
    const slot = this.chain.find(secret.provider);
    if (slot && !slot.local && !slot.unreachable)
      this.persistent.remember(name, key, secret, () => this.cache.generation(name) === generation);
  }

  /** A tier's answer, kept in process no longer than the tier keeps it fresh. */
  #keepHit(
    key: string,
    name: string,
    version: string | undefined,
    pin: string | undefined,
    hit: TierHit,
    generation: number,
    remember: boolean,
  ): Secret {
    if (remember) this.#remember(key, name, hit.secret, generation);
    const remaining = hit.freshUntil - this.cache.settings.now();
    const ttl = Math.min(
      remaining,
      this.cache.ttlFor(version !== undefined, this.chain.find(hit.secret.provider)?.cacheTtlMs),
    );
    const kept = ttl > 0 && this.cache.store(key, name, hit.secret, generation, false, ttl, version, pin);
    this.masker.add(hit.secret.value, { pinned: kept });
    return hit.secret;
  }

  /**
   * Asks providers in priority order: the first that has the secret answers; failures are
   * skipped. In offline mode a provider that is not contacted answers with `copyFor`'s copy.
   * `first` is the answer of a provider already asked for this read: it is not asked again.
   */
  async readChain(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    copyFor?: CopyFor,
    first?: FirstAnswer,
  ): Promise<Secret | null> {
    const slots = this.chain.readSlots(pin, version);
    // Allocated on the first failure only: most reads see none.
    let failures: ProviderFailure[] | undefined;
    for (const slot of slots) {
      if (slot.unreachable) {
        const copy = await copyFor?.(slot);
        if (copy) return copy;
        failures = withFailure(failures, offlineMiss(slot.name, this.persistent !== undefined));
        continue;
      }
      try {
        let secret: Secret | null;
        if (first?.slot === slot) {
          const given = first;
          first = undefined;
          if (given.error) throw given.error.thrown;
          secret = given.secret;
        } else
          secret = await slot.call(
            (abortSignal) =>
              slot.provider.get(name, version === undefined ? { abortSignal } : { version, abortSignal }),
            'get',
          );
        slot.markSuccess();
        if (secret) return secret;
      } catch (error) {
        if (isDefinitive(error)) throw error;
        failures = withFailure(failures, slot.markFailure(error));
      }
    }
    if (failures)
      throw new ProviderUnavailableError(
        `could not read '${name}': ${failures.length === slots.length ? 'every provider failed' : 'not found in the providers that answered'}`,
        failures,
      );
    return null;
  }
}

function withFailure(failures: ProviderFailure[] | undefined, failure: ProviderFailure): ProviderFailure[] {
  if (!failures) return [failure];
  failures.push(failure);
  return failures;
}
