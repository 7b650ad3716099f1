import type { LatencySummary } from './reports.js';

/** Keeps the most recent samples (a ring) and reports percentiles over them. */
export class LatencyWindow {
  readonly #samples: number[] = [];
  #next = 0;
  #count = 0;

  constructor(private readonly size = 2048) {}

  record(ms: number): void {
    this.#count++;
    if (this.#samples.length < this.size) this.#samples.push(ms);
    else {
      this.#samples[this.#next] = ms;
      this.#next = (this.#next + 1) % this.size;
    }
  }

  summary(): LatencySummary {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return { count: this.#count, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
  }
}
