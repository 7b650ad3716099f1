import type { CacheTier, CacheTierEntry, CacheTierLock, CacheTierRegistration } from './cache-tier.js';
import { parseDuration } from './duration.js';
import { ProviderUnavailableError } from './errors.js';
import type { CacheTierMetrics } from './reports.js';
import type { Secret } from './secret.js';
import { TierSealer } from './tier-seal.js';
import { withTimeout } from './toolkit/timeout.js';

const DEFAULT_TIMEOUT = '250ms';
const DEFAULT_LOCK_WAIT = '2s';
/** After a failure, a tier is skipped for this long instead of costing every read a timeout. */
const COOL_DOWN_MS = 1000;

interface HeldTier {
  tier: CacheTier;
  sealer: TierSealer;
  timeoutMs: number;
  lockWaitMs: number;
  /** Epoch ms until which the tier is skipped after a failure. */
  skipUntil: number;
  counts: CacheTierMetrics;
}

/** A tier's answer, opened: the secret and when it stops being fresh. */
export interface TierHit {
  secret: Secret;
  freshUntil: number;
}

/** The outcome of a cross-process claim on a key. */
export type TierClaim =
  | { kind: 'held'; release: () => Promise<void> }
  | { kind: 'filled'; hit: TierHit }
  | { kind: 'none' };

/**
 * The manager's cache tiers, in order, each behind a timeout and a short cool-down after a
 * failure: a tier that fails or is slow is skipped and counted, never an error for the read.
 * The manager seals entries here, so that a tier only ever sees ciphertext.
 */
export class CacheTiers {
  readonly #tiers: HeldTier[];
  /** True when no tier is configured: the read and write paths skip every call here. */
  readonly none: boolean;

  constructor(
    registrations: CacheTierRegistration[],
    environment: string,
    private readonly now: () => number,
  ) {
    this.#tiers = registrations.map((registration) => ({
      tier: registration.tier,
      sealer: new TierSealer(registration.key, environment),
      timeoutMs: parseDuration(registration.timeout ?? DEFAULT_TIMEOUT),
      lockWaitMs: parseDuration(registration.lockWait ?? DEFAULT_LOCK_WAIT),
      skipUntil: 0,
      counts: {
        hits: 0,
        misses: 0,
        writes: 0,
        deletes: 0,
        replaces: 0,
        errors: 0,
        timeouts: 0,
        skipped: 0,
        invalidations: 0,
        lockWaits: 0,
      },
    }));
    this.none = this.#tiers.length === 0;
  }

  /** The first fresh entry a tier holds for the key, opened; undefined when none has one. */
  async lookup(name: string, key: string): Promise<TierHit | undefined> {
    for (const held of this.#tiers) {
      const entry = await this.#call(held, (abortSignal) => held.tier.get(name, key, { abortSignal }));
      const hit = entry ? this.#open(held, name, entry) : undefined;
      if (hit) {
        held.counts.hits++;
        return hit;
      }
      if (entry !== null) held.counts.misses++;
    }
    return undefined;
  }

  /**
   * Claims the key across processes on the first tier that can lock: held (this process
   * fills it), filled (another process did, meanwhile) or none (no lock, or the wait ran out).
   */
  async claim(name: string, key: string): Promise<TierClaim> {
    const held = this.#tiers.find((t) => t.tier.lock !== undefined && this.now() >= t.skipUntil);
    if (!held) return { kind: 'none' };
    const lock = await this.#call(
      held,
      (abortSignal): Promise<CacheTierLock> =>
        held.tier.lock!(name, key, { waitMs: held.lockWaitMs, abortSignal }),
      held.timeoutMs + held.lockWaitMs,
    );
    if (!lock) return { kind: 'none' };
    if (lock.held) return { kind: 'held', release: () => this.#release(held, lock.release) };
    held.counts.lockWaits++;
    const hit = lock.entry ? this.#open(held, name, lock.entry) : undefined;
    if (!hit) return { kind: 'none' };
    held.counts.hits++;
    return { kind: 'filled', hit };
  }

  /**
   * Writes a read's answer to every tier (those before the one that answered included).
   * `readMs`: how long ago the read began, so that a tier that saw a write since refuses it.
   */
  async fill(name: string, key: string, secret: Secret, freshUntil: number, readMs: number): Promise<void> {
    if (freshUntil <= this.now()) return;
    await Promise.all(
      this.#tiers.map(async (held) => {
        const entry = this.#entry(held, name, secret, freshUntil);
        const done = await this.#call(held, async (abortSignal) => {
          await held.tier.set(name, key, entry, { abortSignal, readMs });
          return true;
        });
        if (done) held.counts.writes++;
      }),
    );
  }

  /**
   * After a write that returned what it wrote: every tier drops the secret's entries but keeps
   * the new value under `key`, so that the fleet's next reads find it (a tier that cannot
   * replace only drops them). `writeMs`: how long the provider's write took.
   */
  async replace(
    name: string,
    key: string,
    secret: Secret,
    freshUntil: number,
    writeMs: number,
  ): Promise<void> {
    await Promise.all(
      this.#tiers.map(async (held) => {
        const tier = held.tier;
        if (!tier.replace || freshUntil <= this.now()) return this.#drop(held, name);
        const entry = this.#entry(held, name, secret, freshUntil);
        held.skipUntil = 0;
        const done = await this.#call(held, async (abortSignal) => {
          await tier.replace!(name, key, entry, { abortSignal, writeMs });
          return true;
        });
        if (done) held.counts.replaces++;
      }),
    );
  }

  /** Drops every entry of a secret in every tier (and, for a shared tier, across the fleet). */
  async invalidate(name: string): Promise<void> {
    await Promise.all(this.#tiers.map((held) => this.#drop(held, name)));
  }

  /** Subscribes to the invalidations of every tier that publishes them. */
  subscribe(onInvalidate: (name: string | undefined) => void): () => void {
    const unsubscribes = this.#tiers.flatMap((held) =>
      held.tier.subscribe
        ? [
            held.tier.subscribe((name) => {
              held.counts.invalidations++;
              onInvalidate(name);
            }),
          ]
        : [],
    );
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }

  metrics(): Record<string, CacheTierMetrics> {
    const out: Record<string, CacheTierMetrics> = {};
    for (const held of this.#tiers) out[held.tier.name] = { ...held.counts, ...held.tier.metrics?.() };
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#tiers.map((held) => held.tier.dispose?.()));
  }

  /**
   * One call into a tier, bounded by its timeout. A failure or a timeout is counted, starts the
   * cool-down and yields null: the caller goes on as if the tier had missed.
   */
  async #call<T>(
    held: HeldTier,
    work: (abortSignal: AbortSignal) => Promise<T>,
    ms = held.timeoutMs,
  ): Promise<T | null> {
    if (this.now() < held.skipUntil) {
      held.counts.skipped++;
      return null;
    }
    try {
      return await withTimeout(work, ms, { provider: `cache tier '${held.tier.name}'` });
    } catch (error) {
      if (error instanceof ProviderUnavailableError && error.failures[0]?.code === 'TIMEOUT')
        held.counts.timeouts++;
      else held.counts.errors++;
      held.skipUntil = this.now() + COOL_DOWN_MS;
      return null;
    }
  }

  async #drop(held: HeldTier, name: string): Promise<void> {
    // A write must reach a tier even during its cool-down: try it anyway.
    held.skipUntil = 0;
    const done = await this.#call(held, async (abortSignal) => {
      await held.tier.delete(name, { abortSignal });
      return true;
    });
    if (done) held.counts.deletes++;
  }

  #entry(held: HeldTier, name: string, secret: Secret, freshUntil: number): CacheTierEntry {
    return { sealed: held.sealer.seal(name, secret), version: secret.version, freshUntil };
  }

  #open(held: HeldTier, name: string, entry: CacheTierEntry): TierHit | undefined {
    if (entry.freshUntil <= this.now()) return undefined;
    try {
      const secret = held.sealer.open(name, entry.version, entry.sealed);
      return { secret, freshUntil: entry.freshUntil };
    } catch {
      // Tampered, moved, or sealed under another key: a miss, counted.
      held.counts.errors++;
      return undefined;
    }
  }

  async #release(held: HeldTier, release: () => Promise<void>): Promise<void> {
    await this.#call(held, async () => {
      await release();
      return true;
    });
  }
}
