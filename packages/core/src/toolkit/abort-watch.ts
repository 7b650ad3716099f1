// Watching a call's signal without an `abort` listener. Adding and removing a listener costs each
// request an object (a few hundred bytes): for the signal of a call that `withTimeout` runs, the
// call itself keeps one watcher, and calls it when it aborts. Any other signal gets a listener.

/** Where a `withTimeout` signal names the call it belongs to, while that call runs. */
const CALL = Symbol('hush.call');

/** The part of a running call that watches its signal for a provider. */
export interface WatchedCall {
  watcher: (() => void) | undefined;
}

type Marked = AbortSignal & { [CALL]?: WatchedCall | undefined };

/** Ties a signal to the call that runs with it (undefined once the call has ended). */
export function markSignal(signal: AbortSignal, call: WatchedCall | undefined): void {
  (signal as Marked)[CALL] = call;
}

/**
 * Calls `onAbort` when `signal` aborts (not if it already has: check `signal.aborted` first).
 * Undo with `unwatchAbort(signal, onAbort)` once the work it guards is over.
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): void {
  const call = (signal as Marked)[CALL];
  if (call && call.watcher === undefined) call.watcher = onAbort;
  else signal.addEventListener('abort', onAbort);
}

/** Stops calling `onAbort` for `signal`. */
export function unwatchAbort(signal: AbortSignal, onAbort: () => void): void {
  const call = (signal as Marked)[CALL];
  if (call?.watcher === onAbort) call.watcher = undefined;
  else signal.removeEventListener('abort', onAbort);
}
