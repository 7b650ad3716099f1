import { SecretCache } from './cache.js';
import type { ProviderFailure } from './errors.js';
import type { Masker } from './masker.js';
import type { ProviderChain } from './routing.js';
import type { Secret } from './secret.js';
import { isDefinitive, type ProviderSlot } from './slot.js';
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
 * Many reads at once: what the cache holds fresh, then the rest from each provider in priority
 * order, through its batch get where it has one and bounded concurrent gets otherwise. Each
 * key's outcome is reported on its own; the same generation rule as single reads decides what
 * may be cached.
 */
export class BatchReader {
  constructor(
    private readonly chain: ProviderChain,
    private readonly cache: SecretCache,
    private readonly masker: Masker,
    private readonly concurrency: number,
  ) {}

  async read(keys: string[], pin: string | undefined, fresh: boolean): Promise<Map<string, BatchOutcome>> {
    const outcomes = new Map<string, BatchOutcome>();
    const stale = new Map<string, Secret>();
    const generations = new Map<string, number>();
    let remaining: string[] = [];
    for (const key of keys) {
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
    const failures = new Map<string, ProviderFailure[]>();
    for (const slot of pin ? [this.chain.slot(pin)] : this.chain.slots) {
      if (remaining.length === 0) break;
      const answered = await this.#from(slot, remaining, failures);
      for (const [key, outcome] of answered) {
        outcomes.set(key, outcome);
        if (outcome.kind !== 'found') continue;
        const kept = this.cache.store(
          SecretCache.key(key, undefined, pin),
          key,
          outcome.secret,
          generations.get(key)!,
          false,
          slot.cacheTtlMs,
        );
        this.masker.add(outcome.secret.value, { pinned: kept });
      }
      remaining = remaining.filter((key) => !answered.has(key));
    }
    for (const key of remaining) {
      const failed = failures.get(key);
      const staleSecret = stale.get(key);
      if (failed && staleSecret) {
        this.cache.counts.staleServed++;
        outcomes.set(key, { kind: 'found', secret: staleSecret, cached: true });
      } else if (failed) outcomes.set(key, { kind: 'unavailable', failures: failed });
      else outcomes.set(key, { kind: 'missing' });
    }
    return outcomes;
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
        const found = await slot.call((abortSignal) => slot.provider.getMany!(keys, { abortSignal }));
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
        const secret = await slot.call((abortSignal) => slot.provider.get(key, { abortSignal }));
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
