import { getEventListeners } from 'node:events';
import { ProviderUnavailableError } from '../errors.js';
import { markSignal, type WatchedCall } from './abort-watch.js';

export interface TimeoutOptions {
  /** Named in the error (default `provider`). */
  provider?: string;
  /** Aborts the call too when this signal aborts (a caller's cancellation, a dispose). */
  abortSignal?: AbortSignal;
  /** Aborts the call too when this group aborts: a dispose, without a listener per call. */
  group?: CallGroup;
}

/** A call in flight, as a group or its timer ends it. */
interface Abortable {
  readonly ms: number;
  readonly options: TimeoutOptions;
  abort(reason: unknown): void;
}

/**
 * Calls that one `abort` ends together (a manager's dispose ends every provider call in flight).
 * Joining it costs a call a set entry, where listening to an `AbortSignal` costs it a listener
 * object added and removed again: the largest part of what a call through a local agent allocates.
 */
export class CallGroup {
  readonly #calls = new Set<Abortable>();
  #aborted?: { reason: unknown };

  /** Ends every call in flight with `reason`, and every later one at once. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    for (const call of this.#calls) call.abort(reason);
    this.#calls.clear();
  }

  /** Adds a call to end with the group; the reason if the group has already ended. */
  join(call: Abortable): { reason: unknown } | undefined {
    if (!this.#aborted) this.#calls.add(call);
    return this.#aborted;
  }

  /** A call that has ended. */
  leave(call: Abortable): void {
    this.#calls.delete(call);
  }
}

/**
 * Controllers of calls that ended without an abort and whose signal nobody listens to any more,
 * kept for later calls: Node builds each new `AbortSignal` slowly (microseconds, more than a
 * cached read through a local agent spends anywhere else in the manager).
 */
const spare: AbortController[] = [];
const MAX_SPARE = 64;

/**
 * One call's state, in one object with its methods on the prototype: a call allocates this,
 * its promise and two reactions, not a closure for each way it can end.
 */
class TimedCall<T> implements Abortable, WatchedCall {
  /** The provider's watcher of this call's signal (see `watchAbort`). */
  watcher: (() => void) | undefined;
  #settled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onOuterAbort: (() => void) | undefined;

  constructor(
    readonly controller: AbortController,
    readonly ms: number,
    readonly options: TimeoutOptions,
    readonly resolve: (value: T) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  start(work: (signal: AbortSignal) => Promise<T>): void {
    this.#timer = setTimeout(timedOut, this.ms, this);
    this.#timer.unref?.();
    const { abortSignal: outer, group } = this.options;
    // An end that came first still lets `work` start (with its signal aborted), as it always has.
    if (outer?.aborted) this.abort(outer.reason);
    else if (outer) {
      this.#onOuterAbort = () => this.abort(outer.reason);
      outer.addEventListener('abort', this.#onOuterAbort);
    }
    const aborted = this.#settled ? undefined : group?.join(this);
    if (aborted) this.abort(aborted.reason);
    if (!this.#settled) markSignal(this.controller.signal, this);
    let running: Promise<T>;
    try {
      running = work(this.controller.signal);
    } catch (error) {
      if (this.#end()) this.reject(error);
      return;
    }
    Promise.resolve(running).then(
      (value) => this.#landed(value, undefined),
      (error: unknown) => this.#landed(undefined, { error }),
    );
  }

  abort(reason: unknown): void {
    const watcher = this.watcher;
    if (!this.#end()) return;
    this.controller.abort(reason);
    watcher?.();
    this.reject(reason);
  }

  #landed(value: T | undefined, failed: { error: unknown } | undefined): void {
    if (!this.#end()) return;
    recycle(this.controller);
    if (failed) this.reject(failed.error);
    else this.resolve(value as T);
  }

  #end(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.watcher = undefined;
    markSignal(this.controller.signal, undefined);
    clearTimeout(this.#timer);
    if (this.#onOuterAbort) this.options.abortSignal!.removeEventListener('abort', this.#onOuterAbort);
    this.options.group?.leave(this);
    return true;
  }
}

function timedOut(call: Abortable): void {
  const provider = call.options.provider ?? 'provider';
  call.abort(
    new ProviderUnavailableError(`provider '${provider}' did not answer within ${call.ms} ms`, [
      { provider, code: 'TIMEOUT', message: `no answer within ${call.ms} ms` },
    ]),
  );
}

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
  return new Promise<T>((resolve, reject) => {
    new TimedCall(controller, ms, options, resolve, reject).start(work);
  });
}

function recycle(controller: AbortController): void {
  const signal = controller.signal;
  if (spare.length < MAX_SPARE && !signal.aborted && getEventListeners(signal, 'abort').length === 0)
    spare.push(controller);
}
