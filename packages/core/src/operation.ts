import { maskError } from './error-masking.js';
import { HushError } from './errors.js';
import type { Operation } from './events.js';
import type { ContextFields, Hooks, LiveEvent } from './hooks.js';
import type { Masker } from './masker.js';
import type { MetricsRecorder } from './metrics.js';
import { monotonicMs } from './monotonic.js';
import type { Secret } from './secret.js';
import { loadTracing, OperationSpan, tracingActive, tracingSettled } from './tracing.js';
import type { GetSecretOptions } from './types.js';

/** One running operation: its event (only when a plugin is registered) and the values its errors must not show. */
export interface Run {
  event: LiveEvent | undefined;
  protected: string[];
}

/** What the runner asks of the manager. */
export interface ManagerState {
  disposed(): boolean;
  initialized(): boolean;
  initialize(): Promise<void>;
}

/** Runs the manager's operations: hooks, initialisation, metrics, and masked errors. */
export class OperationRunner {
  constructor(
    private readonly hooks: Hooks,
    private readonly metrics: MetricsRecorder,
    private readonly masker: Masker,
    private readonly state: ManagerState,
    /** Spans carry secret names only when asked (`traceNames`). */
    private readonly traceNames = false,
  ) {}

  /** True when operations go through `run` even for a cached read, so that each has a span. */
  get traced(): boolean {
    return tracingActive();
  }

  /**
   * A cached plain read with plugins: one event, the checks, the record; no read path. While
   * every plugin answers synchronously (fail-open audit, grants already loaded) and no tracer is
   * active, nothing is awaited: the only promise is the one returned.
   */
  serveCached(key: string, secret: Secret, options: GetSecretOptions): Promise<Secret> {
    const span = OperationSpan.start('get', key, this.traceNames);
    if (!span) return this.#serveCached(key, secret, options);
    return this.#serveCachedTraced(span, key, secret, options);
  }

  async #serveCachedTraced(
    span: OperationSpan,
    key: string,
    secret: Secret,
    options: GetSecretOptions,
  ): Promise<Secret> {
    try {
      const served = await span.within(() => this.#serveCached(key, secret, options));
      span.end({ cached: true, provider: served.provider });
      return served;
    } catch (error) {
      span.end({}, error);
      throw error;
    }
  }

  #serveCached(key: string, secret: Secret, options: GetSecretOptions): Promise<Secret> {
    const started = monotonicMs();
    const event = this.hooks.event('get', { key, accessor: options.accessor, scope: options.scope });
    let pending: void | Promise<void>;
    let served = false;
    try {
      pending = this.hooks.before(event);
      if (!pending) {
        served = true;
        pending = this.hooks.beforeServe(event, secret);
      }
    } catch (error) {
      return this.#refused(event, started, error);
    }
    if (pending) return this.#serveChecked(pending, served, event, secret, started);
    return this.#served(event, secret, started);
  }

  /** The slow path: some check answered with a promise. */
  async #serveChecked(
    pending: Promise<void>,
    served: boolean,
    event: LiveEvent,
    secret: Secret,
    started: number,
  ): Promise<Secret> {
    try {
      await pending;
      if (!served) {
        const allowed = this.hooks.beforeServe(event, secret);
        if (allowed) await allowed;
      }
    } catch (error) {
      return this.#refused(event, started, error);
    }
    return this.#served(event, secret, started);
  }

  #served(event: LiveEvent, secret: Secret, started: number): Promise<Secret> {
    event.cached = true;
    event.provider = secret.provider;
    const durationMs = monotonicMs() - started;
    this.metrics.operation('get', durationMs, false);
    let recorded: void | Promise<void>;
    try {
      recorded = this.hooks.after(event, started, durationMs);
    } catch (error) {
      return Promise.reject(maskError(error, this.masker));
    }
    if (!recorded) return Promise.resolve(secret);
    return recorded.then(
      () => secret,
      (error: unknown) => {
        throw maskError(error, this.masker);
      },
    );
  }

  /** A check refused the read (or failed): recorded as denied or error, the error masked. */
  async #refused(event: LiveEvent, started: number, error: unknown): Promise<never> {
    const code = error instanceof HushError ? error.code : 'ERROR';
    this.metrics.operation('get', monotonicMs() - started, true);
    event.outcome = code === 'ACCESS_DENIED' ? 'denied' : 'error';
    event.errorCode = code;
    try {
      await this.hooks.after(event, started);
    } catch {
      // The denial is what the caller needs to see.
    }
    throw maskError(error, this.masker);
  }

  /**
   * Runs one operation: hooks before and after (with one event, built only when a plugin is
   * registered), initialisation, metrics, and the masking of every error that leaves it.
   * `started` (monotonic ms) is when the operation began, if before this call.
   */
  run<T>(
    operation: Operation,
    fields: ContextFields,
    work: (run: Run) => Promise<T>,
    started?: number,
  ): Promise<T> {
    if (this.state.disposed())
      return Promise.reject(new HushError('VALIDATION_ERROR', 'this secret manager has been disposed'));
    // The first operation of a process waits for the (optional) OpenTelemetry API to load.
    if (!tracingSettled()) return loadTracing().then(() => this.run(operation, fields, work, started));
    const span = OperationSpan.start(operation, fields.key, this.traceNames);
    // Untraced, the operation's own promise is returned as it is: no wrapping promise per call.
    if (!span) return this.#run(operation, fields, work, undefined, started);
    return this.#runTraced(span, operation, fields, work, started);
  }

  async #runTraced<T>(
    span: OperationSpan,
    operation: Operation,
    fields: ContextFields,
    work: (run: Run) => Promise<T>,
    started: number | undefined,
  ): Promise<T> {
    // The event carries the outcome, cache hit and provider that the span records.
    const event = this.hooks.event(operation, fields);
    try {
      const result = await span.within(() => this.#run(operation, fields, work, event, started));
      span.end(event);
      return result;
    } catch (error) {
      span.end(event, error);
      throw error;
    }
  }

  async #run<T>(
    operation: Operation,
    fields: ContextFields,
    work: (run: Run) => Promise<T>,
    traced: LiveEvent | undefined,
    began: number | undefined,
  ): Promise<T> {
    const started = began ?? monotonicMs();
    const event = traced ?? (this.hooks.active ? this.hooks.event(operation, fields) : undefined);
    const run: Run = { event, protected: [] };
    const announced = event !== undefined && operation !== 'getMany';
    let result: T;
    try {
      if (announced) {
        const checked = this.hooks.before(event);
        if (checked) await checked;
      }
      if (!this.state.initialized()) await this.state.initialize();
      result = await work(run);
    } catch (error) {
      const code = error instanceof HushError ? error.code : 'ERROR';
      const failed = code !== 'SECRET_NOT_FOUND';
      this.metrics.operation(operation, monotonicMs() - started, failed);
      if (announced) {
        event.outcome =
          code === 'ACCESS_DENIED'
            ? 'denied'
            : code === 'SECRET_NOT_FOUND'
              ? 'not_found'
              : (event.outcome ?? 'error');
        event.errorCode = code;
        try {
          await this.hooks.after(event, started);
        } catch {
          // The operation's own error is what the caller needs to see.
        }
      }
      throw maskError(error, this.masker, run.protected);
    }
    this.metrics.operation(operation, monotonicMs() - started, false);
    if (announced)
      try {
        const recorded = this.hooks.after(event, started);
        if (recorded) await recorded;
      } catch (error) {
        throw maskError(error, this.masker, run.protected);
      }
    return result;
  }
}
