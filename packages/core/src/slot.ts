import { parseDuration } from './duration.js';
import { HushError, type ProviderFailure, ProviderUnavailableError } from './errors.js';
import type { ProviderRegistration } from './manager-options.js';
import type { Masker } from './masker.js';
import type { MetricsRecorder } from './metrics.js';
import { monotonicMs } from './monotonic.js';
import type { SecretProvider } from './provider.js';
import { CallGroup, withTimeout } from './toolkit/timeout.js';
import { traceProviderCall, tracingActive } from './tracing.js';
import type { Duration } from './types.js';

/** Errors that end a read at once instead of failing over: they are answers, not outages. */
const DEFINITIVE = new Set([
  'PROVIDER_ERROR',
  'ACCESS_DENIED',
  'INTEGRITY_ERROR',
  'INVALID_SECRET_NAME',
  'VALIDATION_ERROR',
  'VERSION_CONFLICT',
  'UNSUPPORTED_OPERATION',
  'CONFIG_ERROR',
  'FILE_ACCESS_DENIED',
]);

export function isDefinitive(error: unknown): boolean {
  return error instanceof HushError && DEFINITIVE.has(error.code);
}

/**
 * A provider as the manager holds it: its priority, its call timeout, and what reads have
 * seen of its health. Every call into a provider goes through `call`: timeout, an abort
 * signal (aborted on timeout and on dispose), metrics.
 */
export class ProviderSlot {
  readonly provider: SecretProvider;
  readonly priority: number;
  readonly timeoutMs: number;
  /** Cache freshness for values this provider served, when it differs from the manager's. */
  readonly cacheTtlMs?: number;
  /** Offline mode, and this provider needs the network: it is never called. */
  readonly unreachable: boolean;
  consecutiveFailures = 0;
  lastFailureAt?: Date;
  lastFailureCode?: string;
  #initializing?: Promise<void>;
  /** Initialised: a call need not wait for `ready()` (a microtask per call saved). */
  #started = false;
  /** A dispose ends every call in flight (and refuses later ones). */
  readonly #disposal = new CallGroup();

  constructor(
    registration: SecretProvider | ProviderRegistration,
    readonly order: number,
    defaultTimeout: Duration,
    private readonly metrics: MetricsRecorder,
    private readonly masker: Masker,
    offline = false,
  ) {
    const reg: ProviderRegistration =
      typeof (registration as SecretProvider).get === 'function'
        ? { provider: registration as SecretProvider }
        : (registration as ProviderRegistration);
    this.provider = reg.provider;
    this.unreachable = offline && reg.provider.offline !== true;
    this.priority = reg.priority ?? Number.NEGATIVE_INFINITY;
    this.timeoutMs = parseDuration(reg.timeout ?? defaultTimeout);
    const ownTtl = reg.provider.cacheTtlSeconds;
    if (reg.cacheTtl !== undefined) this.cacheTtlMs = parseDuration(reg.cacheTtl);
    else if (typeof ownTtl === 'number' && ownTtl >= 0) this.cacheTtlMs = ownTtl * 1000;
  }

  get name(): string {
    return this.provider.name;
  }

  /** True once the provider has initialised: a call goes to it at once. */
  get started(): boolean {
    return this.#started;
  }

  /** True when the provider reads this machine only: offline mode asks it, the persistent cache skips it. */
  get local(): boolean {
    return this.provider.offline === true;
  }

  /** Initialises the provider once; a failed start is retried by the next call. */
  ready(): Promise<void> {
    if (this.unreachable) return Promise.reject(offlineError(this.name));
    this.#initializing ??= this.#timed(
      async (abortSignal) => this.provider.initialize?.({ abortSignal }),
      false,
    ).then(
      () => {
        this.#started = true;
      },
      (error: unknown) => {
        this.#initializing = undefined;
        throw error;
      },
    );
    return this.#initializing;
  }

  /**
   * One provider call (`method` names it in its span), after the provider's initialisation,
   * timed and counted. Once the provider has started, the call's own promise is returned as it
   * is: no wrapping promise per call.
   */
  call<T>(work: (abortSignal: AbortSignal) => Promise<T>, method = 'call'): Promise<T> {
    if (this.unreachable) return Promise.reject(offlineError(this.name));
    if (!this.#started) return this.ready().then(() => this.call(work, method));
    if (!tracingActive()) return this.#timed(work);
    return traceProviderCall(this.name, this.provider.kind, method, () => this.#timed(work));
  }

  /** Aborts every call in flight and refuses new ones. */
  abort(): void {
    this.#disposal.abort(new HushError('VALIDATION_ERROR', 'the secret manager was disposed'));
  }

  async #timed<T>(work: (abortSignal: AbortSignal) => Promise<T>, counted = true): Promise<T> {
    const started = monotonicMs();
    try {
      const result = await withTimeout(work, this.timeoutMs, {
        provider: this.name,
        group: this.#disposal,
      });
      if (counted) this.metrics.providerCall(this.name, monotonicMs() - started, false);
      return result;
    } catch (error) {
      if (counted) this.metrics.providerCall(this.name, monotonicMs() - started, true);
      throw error;
    }
  }

  markSuccess(): void {
    this.consecutiveFailures = 0;
  }

  /** Records a failure seen by a read and describes it, masked, for the caller's error. */
  markFailure(error: unknown): ProviderFailure {
    this.consecutiveFailures++;
    this.lastFailureAt = new Date();
    this.metrics.failover(this.name);
    const failure = describeFailure(this.name, error, this.masker);
    this.lastFailureCode = failure.code;
    return failure;
  }
}

export function describeFailure(provider: string, error: unknown, masker: Masker): ProviderFailure {
  if (
    error instanceof ProviderUnavailableError &&
    error.failures.length === 1 &&
    error.failures[0]!.provider === provider
  )
    return { ...error.failures[0]!, message: masker.mask(error.failures[0]!.message) };
  const code =
    error instanceof HushError
      ? error.code
      : (((error as { code?: unknown })?.code as string | undefined) ?? 'ERROR');
  const message = error instanceof Error ? error.message : String(error);
  return { provider, code: String(code), message: masker.mask(message) };
}

/** What a provider that needs the network answers in offline mode: an outage, so reads fail over. */
export function offlineError(provider: string): ProviderUnavailableError {
  return new ProviderUnavailableError(`offline mode: provider '${provider}' is not contacted`, [
    { provider, code: 'OFFLINE', message: 'not contacted in offline mode' },
  ]);
}

/** A provider not contacted in offline mode, and no copy of the secret from it. */
export function offlineMiss(provider: string, persistent: boolean): ProviderFailure {
  return {
    provider,
    code: 'OFFLINE',
    message: persistent
      ? 'not contacted in offline mode, and the persistent cache holds no copy from it'
      : 'not contacted in offline mode (no persistent cache is configured: cache.persistent)',
  };
}
