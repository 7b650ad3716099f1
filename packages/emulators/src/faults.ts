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
  /**
   * Share of requests (0..1) that carry a body answered with a 400 whose message quotes that
   * body, as a validation error may quote the offending input. A bodyless request is served as
   * usual. For testing that no secret being written escapes through an error.
   */
  echoRate?: number;
}

export type FaultDecision = 'outage' | 'echo' | 'error' | 'throttle' | null;

export class FaultInjector {
  #options: FaultOptions;
  /** Requests answered with an injected fault, by kind. */
  readonly injected = { outage: 0, echo: 0, error: 0, throttle: 0 };

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
    const { latencyMs, errorRate, throttleRate, outage, echoRate } = this.#options;
    if (latencyMs && latencyMs > 0) await sleep(latencyMs);
    if (outage) return this.#count('outage');
    // Counted by the server once it knows the request has a body (see `echoed`).
    if (echoRate && this.random() < echoRate) return 'echo';
    if (errorRate && this.random() < errorRate) return this.#count('error');
    if (throttleRate && this.random() < throttleRate) return this.#count('throttle');
    return null;
  }

  /** Records an echo fault served (a request with a body); a bodyless one is not counted. */
  echoed(): void {
    this.injected.echo++;
  }

  #count(kind: Exclude<FaultDecision, null>): FaultDecision {
    this.injected[kind]++;
    return kind;
  }
}
