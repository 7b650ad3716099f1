import { monotonicMs } from '../monotonic.js';
import { isTransientError } from './transient.js';

export interface RetryOptions {
  /** Tries in all, the first included (default 3). */
  attempts?: number;
  /** The first backoff's ceiling (default 100 ms); doubled after each failure. */
  baseDelayMs?: number;
  /** No backoff waits longer than this (default 5 s). */
  maxDelayMs?: number;
  /** No retry starts once this much time has passed since the first try (default: none). */
  budgetMs?: number;
  /**
   * The wait the server asked for (a Retry-After), in ms, used instead of the jittered backoff
   * (still capped by maxDelayMs); undefined for none.
   */
  delayMs?: (error: unknown, attempt: number) => number | undefined;
  /** Which failures are retried (default `isTransientError`). */
  retryable?: (error: unknown, attempt: number) => boolean;
  /** Stops waiting and retrying when aborted. */
  abortSignal?: AbortSignal;
  /** Called before each wait: count retries here. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** For tests: the random source of the jitter, the clock and the wait. */
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `work` until it succeeds, with full-jitter exponential backoff between tries (a wait
 * drawn uniformly from 0 to min(maxDelay, base * 2^n)), as the AWS SDKs do, and never past
 * the time budget. The last error is thrown as it was.
 */
export async function retry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5_000;
  const retryable = options.retryable ?? isTransientError;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => monotonicMs());
  const sleep =
    options.sleep ??
    ((ms: number, signal?: AbortSignal) =>
      // Loaded on first retry, not with core: a command that never retries does not pay for it.
      process.getBuiltinModule('node:timers/promises').setTimeout(ms, undefined, { signal }));
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts || options.abortSignal?.aborted || !retryable(error, attempt)) throw error;
      const asked = options.delayMs?.(error, attempt);
      const delay =
        asked !== undefined && asked >= 0
          ? Math.min(max, asked)
          : Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
      if (options.budgetMs !== undefined && now() - started + delay > options.budgetMs) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.abortSignal);
    }
  }
}
