import { closeSync, openSync, readSync } from 'node:fs';

// After a request, the agent can keep its event loop turning for a short while instead of
// sleeping in the kernel. The next request of a burst is then read by a CPU that is already
// awake: on a virtual machine, waking an idle CPU for it costs more than the agent's own work
// (about 65 µs of an 80 µs read here, between two CPUs). The price is CPU: up to one core while
// requests keep coming, none once they stop. Where that price is charged (a CPU quota) or there
// is no CPU to spare, the agent does not poll unless asked to (see cpu-quota.ts).
//
// Polling on a CPU that a client needs is worse than sleeping: the client waits for the agent's
// time slice to end. So the poll watches how long its own thread waited for a CPU while it was
// runnable; when that grows, another task wants the CPU, and the poll stops and stays off for
// 10 ms. That already bounds the harm on a shared CPU to one contended poll in 10 ms; a longer
// or growing pause measured worse, as a brief rival (the agent's own garbage collector threads,
// when it is pinned to one CPU) then keeps polling off most of the time.

/** How often, while polling, the wait for a CPU is read. */
const CHECK_MS = 0.25;
/** Waiting this long for a CPU within one check means another task wants it. */
const CONTENDED_MS = 0.05;
const BACKOFF_MS = 10;

export interface BusyPollOptions {
  /** Milliseconds since some origin (default `performance.now`). */
  now?: () => number;
  /**
   * Milliseconds this thread has spent runnable but waiting for a CPU, so far (default: Linux's
   * `/proc/thread-self/schedstat`; where there is none, context switches forced on the process
   * count as a wait each).
   */
  cpuWait?: () => number;
}

/** Keeps the event loop turning for `windowMs` after the last request; see above. */
export class BusyPoll {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #cpuWait: () => number;
  readonly #closeCpuWait: () => void;
  #last = 0;
  #since = 0;
  #checkedAt = 0;
  #waitedAtCheck = 0;
  #spinning = false;
  #stopped = false;
  #offUntil = Number.NEGATIVE_INFINITY;
  #spentMs = 0;
  #backoffs = 0;

  constructor(windowMs: number, options: BusyPollOptions = {}) {
    this.#windowMs = windowMs;
    this.#now = options.now ?? (() => performance.now());
    if (options.cpuWait) {
      this.#cpuWait = options.cpuWait;
      this.#closeCpuWait = () => undefined;
    } else {
      const reader = windowMs > 0 ? threadCpuWait() : undefined;
      this.#cpuWait = reader?.read ?? (() => process.resourceUsage().involuntaryContextSwitches);
      this.#closeCpuWait = reader?.close ?? (() => undefined);
    }
  }

  /** A request was answered: poll until `windowMs` after it, unless backing off. */
  touch(): void {
    if (this.#windowMs <= 0 || this.#stopped) return;
    const now = this.#now();
    this.#last = now;
    if (this.#spinning || now < this.#offUntil) return;
    this.#spinning = true;
    this.#since = now;
    this.#checkedAt = now;
    this.#waitedAtCheck = this.#cpuWait();
    setImmediate(this.#turn);
  }

  /** Whether the event loop is being kept turning now. */
  get polling(): boolean {
    return this.#spinning;
  }

  /** Milliseconds spent polling so far (reported as a metric: it is what the option costs). */
  get spentMs(): number {
    return this.#spentMs + (this.#spinning ? this.#now() - this.#since : 0);
  }

  /** Times polling stopped because another task wanted the CPU. */
  get backoffs(): number {
    return this.#backoffs;
  }

  /** Stops polling for good (the agent is stopping). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closeCpuWait();
  }

  readonly #turn = (): void => {
    const now = this.#now();
    if (this.#goOn(now)) setImmediate(this.#turn);
    else this.#end(now);
  };

  /** Whether to poll on at `now`; a contended poll also starts the pause. */
  #goOn(now: number): boolean {
    if (this.#stopped) return false;
    const quiet = now - this.#last >= this.#windowMs;
    if (!quiet && now - this.#checkedAt < CHECK_MS) return true;
    // Checked before a quiet end too: a poll preempted past its window was still contended.
    const waited = this.#cpuWait();
    if (waited - this.#waitedAtCheck >= CONTENDED_MS) {
      this.#backoffs++;
      this.#offUntil = now + BACKOFF_MS;
      return false;
    }
    this.#checkedAt = now;
    this.#waitedAtCheck = waited;
    return !quiet;
  }

  #end(now: number): void {
    this.#spinning = false;
    this.#spentMs += now - this.#since;
  }
}

/** The wait for a CPU of the calling thread, from Linux's schedstat (nanoseconds, second field). */
export function threadCpuWait(): { read: () => number; close: () => void } | undefined {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(96);
  const read = (): number => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const fields = buffer.toString('latin1', 0, length).split(' ');
    return Number(fields[1]) / 1e6;
  };
  try {
    read();
  } catch {
    closeSync(fd);
    return undefined;
  }
  return { read, close: () => closeSync(fd) };
}
