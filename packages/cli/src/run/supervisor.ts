import { type ChildOutcome, exitCodeOf, type RunningChild } from './child.js';
import { changedNames } from './environment.js';

/** Timers, injectable so that the restart logic can be driven by a test clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { clear(): void };
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return { clear: () => clearTimeout(timer) };
  },
};

/** Why the secrets are read again: a file event (read past the cache) or the polling interval. */
export type Trigger = 'file' | 'poll';

export interface SupervisorOptions {
  /** Starts the command with these variables. */
  start(variables: Record<string, string>): Promise<RunningChild>;
  /** Reads the variables again. */
  read(trigger: Trigger): Promise<Record<string, string>>;
  /** Before a restart or reload with new variables (rewrites mounted files, records an audit entry). */
  changed(variables: Record<string, string>, names: string[]): Promise<void>;
  /** One line on stderr. */
  note(line: string): void;
  /** Stops the command for a restart; SIGKILL follows after `graceMs`. */
  signal: NodeJS.Signals;
  /** Sent instead of a restart, to a command that reloads in place. */
  reloadSignal?: NodeJS.Signals;
  graceMs: number;
  /** Quiet time after a burst of changes before the secrets are read again. */
  debounceMs: number;
  /** First delay before starting again a command that failed soon after a restart; doubles each time. */
  backoffMs: number;
  /** A command that ran this long after a restart counts as started well (failures start again from 0). */
  stableMs: number;
  /** Failed starts in a row after which hush gives up (and ends with the command's exit code). */
  maxFailures: number;
  clock?: Clock;
}

const MAX_BACKOFF_MS = 60_000;

const seconds = (ms: number): string =>
  ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;

/**
 * Runs the command and starts it again when its environment changes (`run --watch`): stops it
 * with a signal (SIGKILL after the grace period), or only signals it (`--reload-signal`). A
 * command that exits by itself ends the run with its exit code, except one that fails soon after
 * a restart: that one is started again after a growing delay (said on stderr), never in a loop,
 * until `maxFailures` failures in a row end the run.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #clock: Clock;
  #variables: Record<string, string>;
  #child: RunningChild | undefined;
  #startedAt = 0;
  /** The current child was started by a restart (not the first start). */
  #restarted = false;
  #stopping = false;
  #failures = 0;
  #ending = false;
  #debounce: { clear(): void } | undefined;
  #pendingTrigger: Trigger | undefined;
  #checking: Promise<void> | undefined;
  #backoff: { clear(): void } | undefined;
  #finish!: (code: number) => void;
  #fail!: (error: unknown) => void;

  constructor(variables: Record<string, string>, options: SupervisorOptions) {
    this.#variables = variables;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** Starts the command; resolves with the exit code `hush run` ends with. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve, reject) => {
      this.#finish = resolve;
      this.#fail = reject;
    });
    this.#start(false).catch((error) => this.#fail(error));
    return done;
  }

  /** A signal sent to hush: passed on, and the run ends when the command exits. */
  forward(signal: NodeJS.Signals): void {
    this.#ending = true;
    this.#backoff?.clear();
    this.#debounce?.clear();
    if (this.#child) this.#child.kill(signal);
  }

  /** Something the command's secrets come from may have changed: read again after the debounce. */
  poke(trigger: Trigger): void {
    if (this.#ending) return;
    this.#pendingTrigger = this.#pendingTrigger === 'file' ? 'file' : trigger;
    this.#debounce?.clear();
    this.#debounce = this.#clock.setTimeout(() => {
      this.#debounce = undefined;
      void this.#check();
    }, this.#options.debounceMs);
  }

  async #check(): Promise<void> {
    if (this.#checking) {
      // A check is running: run one more after it, with what arrived meanwhile.
      await this.#checking;
      if (this.#pendingTrigger) return this.#check();
      return;
    }
    const trigger = this.#pendingTrigger ?? 'poll';
    this.#pendingTrigger = undefined;
    this.#checking = this.#apply(trigger).finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #apply(trigger: Trigger): Promise<void> {
    let next: Record<string, string>;
    try {
      next = await this.#options.read(trigger);
    } catch (error) {
      this.#options.note(
        `hush: could not read the secrets again (${(error as Error).message}); the command keeps the ones it has`,
      );
      return;
    }
    if (this.#ending) return;
    const names = changedNames(this.#variables, next);
    if (names.length === 0) return;
    this.#variables = next;
    await this.#options.changed(next, names);
    const list = names.join(', ');
    if (this.#options.reloadSignal && this.#child) {
      this.#options.note(`hush: secrets changed (${list}): sending ${this.#options.reloadSignal}`);
      this.#child.kill(this.#options.reloadSignal);
      return;
    }
    this.#options.note(`hush: secrets changed (${list}): restarting the command`);
    await this.#restart();
  }

  async #restart(): Promise<void> {
    this.#backoff?.clear();
    this.#backoff = undefined;
    const child = this.#child;
    if (child) {
      // Up long enough: whatever failed before, this start went well.
      if (this.#clock.now() - this.#startedAt >= this.#options.stableMs) this.#failures = 0;
      this.#stopping = true;
      child.kill(this.#options.signal);
      const kill = this.#clock.setTimeout(() => child.kill('SIGKILL'), this.#options.graceMs);
      await child.exited.catch(() => undefined);
      kill.clear();
      this.#stopping = false;
    }
    if (!this.#ending) await this.#start(true);
  }

  async #start(restarted: boolean): Promise<void> {
    const child = await this.#options.start(this.#variables);
    this.#child = child;
    this.#restarted = restarted;
    this.#startedAt = this.#clock.now();
    child.exited.then(
      (outcome) => this.#exited(child, outcome),
      (error) => this.#fail(error),
    );
  }

  #exited(child: RunningChild, outcome: ChildOutcome): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    if (this.#stopping) return; // a restart stopped it; #restart starts the next one
    const code = exitCodeOf(outcome);
    const uptime = this.#clock.now() - this.#startedAt;
    const crashed = code !== 0 && this.#restarted && uptime < this.#options.stableMs && !this.#ending;
    if (!crashed) {
      this.#debounce?.clear();
      this.#finish(code);
      return;
    }
    this.#failures++;
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${code}`;
    if (this.#failures >= this.#options.maxFailures) {
      this.#options.note(
        `hush: the command ${how} ${seconds(uptime)} after it was started, ${this.#failures} times in a row: giving up`,
      );
      this.#debounce?.clear();
      this.#finish(code);
      return;
    }
    const delay = Math.min(this.#options.backoffMs * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
    this.#options.note(
      `hush: the command ${how} ${seconds(uptime)} after it was started; starting it again in ${seconds(delay)} (failure ${this.#failures} of ${this.#options.maxFailures})`,
    );
    this.#backoff = this.#clock.setTimeout(() => {
      this.#backoff = undefined;
      if (!this.#ending && !this.#child) this.#start(true).catch((error) => this.#fail(error));
    }, delay);
  }
}
