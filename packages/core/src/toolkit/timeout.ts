import { getEventListeners } from 'node:events';
import { ProviderUnavailableError } from '../errors.js';

export interface TimeoutOptions {
  /** Named in the error (default `provider`). */
  provider?: string;
  /** Aborts the call too when this signal aborts (a caller's cancellation, a dispose). */
  abortSignal?: AbortSignal;
}

/**
 * Controllers of calls that ended without an abort and whose signal nobody listens to any more,
 * kept for later calls: Node builds each new `AbortSignal` slowly (microseconds, more than a
 * cached read through a local agent spends anywhere else in the manager).
 */
const spare: AbortController[] = [];
const MAX_SPARE = 64;

/**
 * Runs `work` with a signal that aborts after `ms`: the wait ends with a
 * `ProviderUnavailableError` (code TIMEOUT) and the call itself is told to stop. The signal
 * belongs to the call while it runs: once the call has ended, a signal that did not abort and
 * has no listener left may serve a later call.
 */
export function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  options: TimeoutOptions = {},
): Promise<T> {
  const controller = spare.pop() ?? new AbortController();
  const outer = options.abortSignal;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const end = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      return true;
    };
    const abort = (reason: unknown) => {
      if (!end()) return;
      controller.abort(reason);
      reject(reason);
    };
    const onOuterAbort = () => abort(outer!.reason);
    const timer = setTimeout(() => {
      const provider = options.provider ?? 'provider';
      abort(
        new ProviderUnavailableError(`provider '${provider}' did not answer within ${ms} ms`, [
          { provider, code: 'TIMEOUT', message: `no answer within ${ms} ms` },
        ]),
      );
    }, ms);
    timer.unref?.();
    if (outer?.aborted) abort(outer.reason);
    else outer?.addEventListener('abort', onOuterAbort);
    let running: Promise<T>;
    try {
      running = work(controller.signal);
    } catch (error) {
      if (end()) reject(error);
      return;
    }
    Promise.resolve(running).then(
      (value) => {
        if (end()) {
          recycle(controller);
          resolve(value);
        }
      },
      (error: unknown) => {
        if (end()) {
          recycle(controller);
          reject(error);
        }
      },
    );
  });
}

function recycle(controller: AbortController): void {
  const signal = controller.signal;
  if (spare.length < MAX_SPARE && !signal.aborted && getEventListeners(signal, 'abort').length === 0)
    spare.push(controller);
}
