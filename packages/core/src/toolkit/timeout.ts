import { ProviderUnavailableError } from '../errors.js';

export interface TimeoutOptions {
  /** Named in the error (default `provider`). */
  provider?: string;
  /** Aborts the call too when this signal aborts (a caller's cancellation, a dispose). */
  abortSignal?: AbortSignal;
}

/**
 * Runs `work` with a signal that aborts after `ms`: the wait ends with a
 * `ProviderUnavailableError` (code TIMEOUT) and the call itself is told to stop.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  options: TimeoutOptions = {},
): Promise<T> {
  const provider = options.provider ?? 'provider';
  const controller = new AbortController();
  const outer = options.abortSignal;
  const onOuterAbort = () => controller.abort(outer!.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const fail = () => {
      const error = new ProviderUnavailableError(`provider '${provider}' did not answer within ${ms} ms`, [
        { provider, code: 'TIMEOUT', message: `no answer within ${ms} ms` },
      ]);
      controller.abort(error);
      reject(error);
    };
    timer = setTimeout(fail, ms);
    timer.unref?.();
  });
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // Whichever loses the race must not surface as an unhandled rejection.
  timedOut.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return await Promise.race([work(controller.signal), timedOut, aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
