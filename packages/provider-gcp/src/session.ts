import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ConfigError, isTransientError, retry, type SecretInfo, withTimeout } from '@hush/core';
import {
  Code,
  grpcCode,
  type NameMapping,
  safeCause,
  toHushError,
  toSecretInfo,
  type WireSecret,
} from './mapping.js';

/** Operations that change nothing, safe to send again after an UNAVAILABLE. */
const READ_OPERATIONS = new Set(['read', 'list', 'list versions of']);

/** gRPC codes to drop from an error's mapping and hand back raw (the caller interprets them). */
export interface CallOptions {
  raw?: readonly number[];
}

/** The provider's counters, shown by `metrics()`. */
export interface GcpCounters {
  calls: number;
  failures: number;
  retries: number;
  integrityFailures: number;
}

export interface GcpSessionSettings {
  name: string;
  client: SecretManagerServiceClient;
  mapping: NameMapping;
  timeout: number;
  maxAttempts: number;
  verifyChecksums: boolean;
  project: string | undefined;
}

/** What the provider's operations share: the client, the project, the deadline and retries of each call. */
export class GcpSession {
  readonly name: string;
  readonly client: SecretManagerServiceClient;
  readonly mapping: NameMapping;
  readonly verifyChecksums: boolean;
  readonly counters: GcpCounters = { calls: 0, failures: 0, retries: 0, integrityFailures: 0 };
  readonly #timeout: number;
  readonly #maxAttempts: number;
  #project: string | undefined;
  #projectLookup?: Promise<string>;

  constructor(settings: GcpSessionSettings) {
    this.name = settings.name;
    this.client = settings.client;
    this.mapping = settings.mapping;
    this.verifyChecksums = settings.verifyChecksums;
    this.#timeout = settings.timeout;
    this.#maxAttempts = settings.maxAttempts;
    this.#project = settings.project;
  }

  /** The project secrets live in (resolved from ADC when neither the option nor GOOGLE_CLOUD_PROJECT gives one). */
  async project(): Promise<string> {
    if (this.#project) return this.#project;
    this.#projectLookup ??= this.client.getProjectId().then(
      (project) => (this.#project = project),
      (error: unknown) => {
        this.#projectLookup = undefined;
        throw new ConfigError('no GCP project: set the `project` option or GOOGLE_CLOUD_PROJECT', {
          path: 'project',
          cause: safeCause(error),
        });
      },
    );
    return this.#projectLookup;
  }

  async secretName(id: string): Promise<string> {
    return `projects/${await this.project()}/secrets/${id}`;
  }

  /** gax's own retries are off: core's retry runs them, under the same deadline as the call. */
  callOptions(): { timeout: number; retry: null } {
    return { timeout: this.#timeout, retry: null };
  }

  /**
   * One call with core's toolkit: a deadline of `timeout` over every try (the call is
   * cancelled when it passes or when `signal` aborts) and full-jitter retries of what is worth
   * another try. Failures become hush errors, except the `raw` codes, handed back as they came.
   */
  async call<T>(
    operation: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    run: (rpc: SecretManagerServiceClient) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const idempotent = READ_OPERATIONS.has(operation);
    try {
      return await withTimeout(
        (deadline) =>
          retry(
            () => {
              this.counters.calls++;
              return run(cancellable(this.client, deadline));
            },
            {
              attempts: this.#maxAttempts,
              maxDelayMs: 2_000,
              budgetMs: this.#timeout,
              abortSignal: deadline,
              retryable: (error) => isRetryable(error, idempotent),
              onRetry: () => {
                this.counters.retries++;
              },
            },
          ),
        this.#timeout,
        { provider: this.name, ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (error) {
      const code = grpcCode(error);
      if (code !== undefined && options.raw?.includes(code)) throw error;
      throw this.fail(error, key, operation);
    }
  }

  fail(error: unknown, key: string | undefined, operation: string): Error {
    this.counters.failures++;
    return toHushError(error, { provider: this.name, ...(key !== undefined ? { key } : {}), operation });
  }

  info(key: string, secret: WireSecret | undefined, version: string, updatedAt?: Date): SecretInfo {
    return toSecretInfo(key, secret, version, this.name, updatedAt);
  }
}

/**
 * The client, with each call cancelled when `signal` aborts: gax calls take no AbortSignal,
 * but the promise they return has `cancel()`, which ends the gRPC call.
 */
function cancellable(client: SecretManagerServiceClient, signal: AbortSignal): SecretManagerServiceClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        const call = (member as (...a: unknown[]) => unknown).apply(target, args);
        const cancel = (call as { cancel?: () => void } | undefined)?.cancel;
        if (typeof cancel === 'function') {
          const onAbort = () => cancel.call(call);
          signal.addEventListener('abort', onAbort, { once: true });
          Promise.resolve(call)
            .catch(() => undefined)
            .finally(() => signal.removeEventListener('abort', onAbort));
        }
        return call;
      };
    },
  });
}

/**
 * Worth another try: throttling (refused before any work), and for a call that changes nothing
 * also an unavailable service or a network failure (core's classification).
 */
function isRetryable(error: unknown, idempotent: boolean): boolean {
  const code = grpcCode(error);
  if (code === Code.RESOURCE_EXHAUSTED) return true;
  if (!idempotent) return false;
  return code === Code.UNAVAILABLE || (code === undefined && isTransientError(error));
}
