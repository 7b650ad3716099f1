import { SecretCache } from './cache.js';
import { type ProviderFailure, ProviderUnavailableError } from './errors.js';
import type { Masker } from './masker.js';
import type { ProviderChain } from './routing.js';
import type { Secret } from './secret.js';
import { isDefinitive } from './slot.js';

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
 * One secret's read: the cache, then a single flight per key, then the provider chain; a
 * stale value when every provider fails inside the stale-if-error window.
 *
 * Cache tiers (a shared or persistent `CacheTier`) belong in `#fetch`, between the flight and
 * the chain: a flight asks each tier before the providers and writes the answer back, under
 * the same generation rule.
 */
export class ReadPath {
  readonly #inflight = new Map<string, Flight>();

  constructor(
    private readonly chain: ProviderChain,
    private readonly cache: SecretCache,
    private readonly masker: Masker,
  ) {}

  /** The hot path: a fresh cached plain read, counted as a hit; undefined otherwise. */
  hit(name: string): Secret | undefined {
    const secret = this.cache.fresh(name);
    if (secret !== undefined) this.cache.counts.hits++;
    return secret;
  }

  async read(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    fresh: boolean,
  ): Promise<ReadResult> {
    const key = SecretCache.key(name, version, pin);
    const cached = fresh ? undefined : this.cache.lookup(key);
    if (cached?.fresh) {
      this.cache.counts.hits++;
      return { secret: cached.secret, cached: true };
    }
    this.cache.counts.misses++;
    const generation = this.cache.generation(name);
    let flight = this.#inflight.get(key);
    // A flight that started before a write may carry the old value: never join it.
    if (!flight || flight.generation !== generation) {
      const started: Flight = {
        generation,
        promise: this.#fetch(name, version, pin, key, generation),
      };
      flight = started;
      this.#inflight.set(key, started);
      started.promise
        .finally(() => {
          if (this.#inflight.get(key) === started) this.#inflight.delete(key);
        })
        .catch(() => undefined);
    }
    try {
      return { secret: await flight.promise, cached: false };
    } catch (error) {
      if (cached && error instanceof ProviderUnavailableError) {
        this.cache.counts.staleServed++;
        return { secret: cached.secret, cached: true };
      }
      throw error;
    }
  }

  async #fetch(
    name: string,
    version: string | undefined,
    pin: string | undefined,
    key: string,
    generation: number,
  ): Promise<Secret | null> {
    const secret = await this.readChain(name, version, pin);
    if (secret) {
      const ttl = this.chain.find(secret.provider)?.cacheTtlMs;
      const kept = this.cache.store(key, name, secret, generation, version !== undefined, ttl);
      this.masker.add(secret.value, { pinned: kept });
    }
    return secret;
  }

  /** Asks providers in priority order: the first that has the secret answers; failures are skipped. */
  async readChain(
    name: string,
    version: string | undefined,
    pin: string | undefined,
  ): Promise<Secret | null> {
    const slots = this.chain.readSlots(pin, version);
    const failures: ProviderFailure[] = [];
    const options = version === undefined ? {} : { version };
    for (const slot of slots) {
      try {
        const secret = await slot.call((abortSignal) => slot.provider.get(name, { ...options, abortSignal }));
        slot.markSuccess();
        if (secret) return secret;
      } catch (error) {
        if (isDefinitive(error)) throw error;
        failures.push(slot.markFailure(error));
      }
    }
    if (failures.length)
      throw new ProviderUnavailableError(
        `could not read '${name}': ${failures.length === slots.length ? 'every provider failed' : 'not found in the providers that answered'}`,
        failures,
      );
    return null;
  }
}
