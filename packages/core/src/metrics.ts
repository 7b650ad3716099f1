import { LatencyWindow } from './latency.js';
import type { CacheMetrics, OperationMetrics, ProviderMetrics } from './reports.js';

interface Counter {
  count: number;
  errors: number;
  latency: LatencyWindow;
}

interface ProviderCounter extends Counter {
  failovers: number;
}

/** One hot-path cached read in this many is timed (a power of two). */
const HIT_SAMPLE = 16;

/** Per-operation and per-provider counts and latencies. */
export class MetricsRecorder {
  readonly #operations = new Map<string, Counter>();
  readonly #providers = new Map<string, ProviderCounter>();
  #hits = 0;
  #hitMs = 0;

  operation(name: string, durationMs: number, failed: boolean): void {
    let counter = this.#operations.get(name);
    if (counter === undefined) {
      counter = { count: 0, errors: 0, latency: new LatencyWindow() };
      this.#operations.set(name, counter);
    }
    counter.count++;
    if (failed) counter.errors++;
    counter.latency.record(durationMs);
  }

  /**
   * Whether to time the next hot-path cached read. Reading the clock twice costs more than the
   * lookup itself, so one hit in `HIT_SAMPLE` is timed and the others are recorded with that
   * duration (hits differ by nanoseconds; the window reports microseconds).
   */
  timeNextHit(): boolean {
    return (this.#hits++ & (HIT_SAMPLE - 1)) === 0;
  }

  /** A hot-path cached read: counted every time, with its duration when it was timed. */
  cachedHit(durationMs: number | undefined): void {
    if (durationMs !== undefined) this.#hitMs = durationMs;
    this.operation('get', this.#hitMs, false);
  }

  providerCall(name: string, durationMs: number, failed: boolean): void {
    const counter = this.#provider(name);
    counter.count++;
    if (failed) counter.errors++;
    counter.latency.record(durationMs);
  }

  failover(name: string): void {
    this.#provider(name).failovers++;
  }

  operations(): Record<string, OperationMetrics> {
    const out: Record<string, OperationMetrics> = {};
    for (const [name, c] of this.#operations)
      out[name] = { count: c.count, errors: c.errors, latencyMs: c.latency.summary() };
    return out;
  }

  providers(
    names: string[],
    counters: (name: string) => Record<string, number>,
  ): Record<string, ProviderMetrics> {
    const out: Record<string, ProviderMetrics> = {};
    for (const name of names) {
      const c = this.#provider(name);
      out[name] = {
        calls: c.count,
        errors: c.errors,
        failovers: c.failovers,
        latencyMs: c.latency.summary(),
        counters: counters(name),
      };
    }
    return out;
  }

  static cache(
    counts: Omit<CacheMetrics, 'hitRate' | 'size' | 'tiers' | 'persistent'>,
    size: number,
  ): CacheMetrics {
    const lookups = counts.hits + counts.misses;
    return { ...counts, hitRate: lookups ? counts.hits / lookups : 0, size };
  }

  #provider(name: string): ProviderCounter {
    const counter = this.#providers.get(name) ?? {
      count: 0,
      errors: 0,
      failovers: 0,
      latency: new LatencyWindow(),
    };
    this.#providers.set(name, counter);
    return counter;
  }
}
