import { setTimeout as sleep } from 'node:timers/promises';

/** Faults an emulator injects into the requests it serves; changeable while it runs. */
export interface FaultOptions {
  /** Added to every request before it is served. */
  latencyMs?: number;
  /** Share of requests (0..1) answered with the service's own 5xx error. */
  errorRate?: number;
  /** Share of requests (0..1) answered with the service's own throttling error. */
  throttleRate?: number;
  /** Every connection is dropped without an answer, as a dead server would. */
  outage?: boolean;
}

export type FaultDecision = 'outage' | 'error' | 'throttle' | null;

export class FaultInjector {
  #options: FaultOptions;
  /** Requests answered with an injected fault, by kind. */
  readonly injected = { outage: 0, error: 0, throttle: 0 };

  constructor(
    options: FaultOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.#options = { ...options };
  }

  get options(): Readonly<FaultOptions> {
    return this.#options;
  }

  /** Replaces some settings; pass `{}` to keep the rest. */
  set(options: FaultOptions): void {
    this.#options = { ...this.#options, ...options };
  }

  clear(): void {
    this.#options = {};
  }

  /** Waits the configured latency, then says which fault (if any) this request gets. */
  async decide(): Promise<FaultDecision> {
    const { latencyMs, errorRate, throttleRate, outage } = this.#options;
    if (latencyMs && latencyMs > 0) await sleep(latencyMs);
    if (outage) return this.#count('outage');
    if (errorRate && this.random() < errorRate) return this.#count('error');
    if (throttleRate && this.random() < throttleRate) return this.#count('throttle');
    return null;
  }

  #count(kind: Exclude<FaultDecision, null>): FaultDecision {
    this.injected[kind]++;
    return kind;
  }
}
