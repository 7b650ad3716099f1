import { SecretCache } from './cache.js';
import type { ProviderFailure } from './errors.js';
import type { LeaseKeeper } from './leases.js';
import type { Masker } from './masker.js';
import { monotonicMs } from './monotonic.js';
import type { PersistentCache } from './persistent.js';
import type { ProviderChain } from './routing.js';
import type { Secret } from './secret.js';
import { isDefinitive, offlineMiss, type ProviderSlot } from './slot.js';
import type { CacheTiers } from './tiers.js';
import { mapConcurrent } from './toolkit/concurrency.js';

/** One key's outcome in a batch read. */
export type BatchOutcome =
  | { kind: 'found'; secret: Secret; cached: boolean }
  | { kind: 'missing' }
  /** Providers failed and none had it. */
  | { kind: 'unavailable'; failures: ProviderFailure[] }
  /** A provider answered with an error that ends the read (access denied, integrity...). */
  | { kind: 'error'; error: unknown };

/**
 * Many reads at once: what the cache holds fresh, then what the cache tiers hold, then the
 * rest from each provider in priority order, through its batch get where it has one and
 * bounded concurrent gets otherwise. Each key's outcome is reported on its own; the same
 * generation rule as single reads decides what may be cached, in process and in the tiers.
 * As for single reads, the persistent tier answers for providers that failed (or, in offline
 * mode, that are not contacted).
 */
export class BatchReader {
  constructor(
    private readonly chain: ProviderChain,
    private readonly cache: SecretCache,
    private readonly masker: Masker,
    private readonly concurrency: number,
    private readonly tiers: CacheTiers,
    private readonly leases: LeaseKeeper,
    private readonly persistent?: PersistentCache,
  ) {}

  async read(keys: string[], pin: string | undefined, fresh: boolean): Promise<Map<string, BatchOutcome>> {
    const outcomes = new Map<string, BatchOutcome>();
    const stale = new Map<string, Secret>();
    const generations = new Map<string, number>();
    let remaining: string[] = [];
    for (const key of keys) {
      const leased = fresh ? undefined : this.leases.current(key, pin);
      if (leased) {
        this.cache.counts.hits++;
        outcomes.set(key, { kind: 'found', secret: leased, cached: true });
        continue;
      }
      const cached = fresh ? undefined : this.cache.lookup(SecretCache.key(key, undefined, pin));
      if (cached?.fresh) {
        this.cache.counts.hits++;
        outcomes.set(key, { kind: 'found', secret: cached.secret, cached: true });
        continue;
      }
      this.cache.counts.misses++;
      if (cached) stale.set(key, cached.secret);
      generations.set(key, this.cache.generation(key));
      remaining.push(key);
    }
    const tiered = !this.tiers.none && this.cache.settings.enabled && !this.chain.offline;
    if (tiered && !fresh && remaining.length)
      remaining = await this.#fromTiers(remaining, pin, generations, outcomes);
    const failures = new Map<string, ProviderFailure[]>();
    const fills: Promise<void>[] = [];
    const began = monotonicMs();
    for (const slot of pin ? [this.chain.slot(pin)] : this.chain.slots) {
      if (remaining.length === 0) break;
      if (slot.unreachable) {
        remaining = await this.#fromCopies(slot, remaining, pin, generations, outcomes, failures);
        continue;
      }
      const answered = await this.#from(slot, remaining, failures);
      for (const [key, outcome] of answered) {
        outcomes.set(key, outcome);
        if (outcome.kind !== 'found') continue;
        if (outcome.secret.lease) {
          this.leases.keep(key, outcome.secret, slot);
          continue;
        }
        const cacheKey = SecretCache.key(key, undefined, pin);
        const generation = generations.get(key)!;
        const kept = this.cache.store(cacheKey, key, outcome.secret, generation, false, slot.cacheTtlMs);
        this.masker.add(outcome.secret.value, { pinned: kept });
        if (tiered) fills.push(this.#fill(key, pin, outcome.secret, generation, slot.cacheTtlMs, began));
        if (this.persistent && !slot.local)
          this.persistent.remember(
            key,
            cacheKey,
            outcome.secret,
            () => this.cache.generation(key) === generation,
          );
      }
      remaining = remaining.filter((key) => !answered.has(key));
    }
    await Promise.all(fills);
    for (const key of remaining) {
      const failed = failures.get(key);
      const staleSecret = stale.get(key);
      if (failed && staleSecret) {
        this.cache.counts.staleServed++;
        outcomes.set(key, { kind: 'found', secret: staleSecret, cached: true });
      } else if (failed) outcomes.set(key, { kind: 'unavailable', failures: failed });
      else outcomes.set(key, { kind: 'missing' });
    }
    if (this.persistent && !this.chain.offline) await this.#copiesOfUnavailable(outcomes, pin);
    return outcomes;
  }

  /** Offline mode: the persistent copies a provider that is not contacted served; the other keys go on. */
  async #fromCopies(
    slot: ProviderSlot,
    keys: string[],
    pin: string | undefined,
    generations: Map<string, number>,
    outcomes: Map<string, BatchOutcome>,
    failures: Map<string, ProviderFailure[]>,
  ): Promise<string[]> {
    const left = new Set<string>();
    await mapConcurrent(keys, this.concurrency, async (key) => {
      const cacheKey = SecretCache.key(key, undefined, pin);
      const copy = await this.persistent?.recall(key, cacheKey);
      if (copy?.secret.provider !== slot.name) {
        failures.set(key, [
          ...(failures.get(key) ?? []),
          offlineMiss(slot.name, this.persistent !== undefined),
        ]);
        left.add(key);
        return;
      }
      this.cache.counts.offlineServed++;
      const ttl = Math.min(
        copy.freshUntil - this.cache.settings.now(),
        this.cache.ttlFor(false, slot.cacheTtlMs),
      );
      const kept = ttl > 0 && this.cache.store(cacheKey, key, copy.secret, generations.get(key)!, false, ttl);
      this.masker.add(copy.secret.value, { pinned: kept });
      outcomes.set(key, { kind: 'found', secret: copy.secret, cached: true });
    });
    // In the order asked, as the next provider expects them.
    return keys.filter((key) => left.has(key));
  }

  /** Every provider failed for these keys: their persistent copies, where young enough. */
  async #copiesOfUnavailable(outcomes: Map<string, BatchOutcome>, pin: string | undefined): Promise<void> {
    const unavailable = [...outcomes]
      .filter(([, outcome]) => outcome.kind === 'unavailable')
      .map(([key]) => key);
    await mapConcurrent(unavailable, this.concurrency, async (key) => {
      const copy = await this.persistent!.recall(key, SecretCache.key(key, undefined, pin));
      if (!copy) return;
      this.cache.counts.offlineServed++;
      this.masker.add(copy.secret.value);
      outcomes.set(key, { kind: 'found', secret: copy.secret, cached: true });
    });
  }

  /** The keys no tier holds; those a tier holds are answered (and kept in process). */
  async #fromTiers(
    keys: string[],
    pin: string | undefined,
    generations: Map<string, number>,
    outcomes: Map<string, BatchOutcome>,
  ): Promise<string[]> {
    const left = new Set<string>();
    await mapConcurrent(keys, this.concurrency, async (key) => {
      const cacheKey = SecretCache.key(key, undefined, pin);
      const hit = await this.tiers.lookup(key, cacheKey);
      if (!hit) {
        left.add(key);
        return;
      }
      const ttl = Math.min(hit.freshUntil - this.cache.settings.now(), this.cache.ttlFor(false));
      const kept = ttl > 0 && this.cache.store(cacheKey, key, hit.secret, generations.get(key)!, false, ttl);
      this.masker.add(hit.secret.value, { pinned: kept });
      outcomes.set(key, { kind: 'found', secret: hit.secret, cached: true });
    });
    return keys.filter((key) => left.has(key));
  }

  async #fill(
    key: string,
    pin: string | undefined,
    secret: Secret,
    generation: number,
    providerTtlMs: number | undefined,
    began: number,
  ): Promise<void> {
    const ttl = this.cache.ttlFor(false, providerTtlMs);
    if (ttl > 0 && this.cache.generation(key) === generation)
      await this.tiers.fill(
        key,
        SecretCache.key(key, undefined, pin),
        secret,
        this.cache.settings.now() + ttl,
        monotonicMs() - began,
      );
  }

  /** One provider's answers: found secrets and definitive errors; failures are noted per key. */
  async #from(
    slot: ProviderSlot,
    keys: string[],
    failures: Map<string, ProviderFailure[]>,
  ): Promise<Map<string, BatchOutcome>> {
    const answered = new Map<string, BatchOutcome>();
    const fail = (key: string, failure: ProviderFailure) =>
      failures.set(key, [...(failures.get(key) ?? []), failure]);
    if (slot.provider.capabilities.batchGet && slot.provider.getMany) {
      try {
        const found = await slot.call(
          (abortSignal) => slot.provider.getMany!(keys, { abortSignal }),
          'getMany',
        );
        slot.markSuccess();
        for (const [key, secret] of found)
          if (secret) answered.set(key, { kind: 'found', secret, cached: false });
      } catch (error) {
        if (isDefinitive(error)) for (const key of keys) answered.set(key, { kind: 'error', error });
        else {
          const failure = slot.markFailure(error);
          for (const key of keys) fail(key, failure);
        }
      }
      return answered;
    }
    await mapConcurrent(keys, this.concurrency, async (key) => {
      try {
        const secret = await slot.call((abortSignal) => slot.provider.get(key, { abortSignal }), 'get');
        slot.markSuccess();
        if (secret) answered.set(key, { kind: 'found', secret, cached: false });
      } catch (error) {
        if (isDefinitive(error)) answered.set(key, { kind: 'error', error });
        else fail(key, slot.markFailure(error));
      }
    });
    return answered;
  }
}

export function dedupeFailures(failures: ProviderFailure[]): ProviderFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const id = `${f.provider}\u0000${f.code}\u0000${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
