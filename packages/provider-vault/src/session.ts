import { AsyncLocalStorage } from 'node:async_hooks';
import { isHushError, retry, type SecretInfo } from '@hush/core';
import type nodeVault from 'node-vault';
import type { VaultAuthenticator } from './auth.js';
import {
  type KvPaths,
  type MetadataResponse,
  toFailure,
  toHushError,
  toSecretInfo,
  type VaultFailure,
} from './mapping.js';

/** Extra attempts and their backoff, for transient failures. */
export interface RetrySettings {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface VaultSessionSettings {
  name: string;
  client: nodeVault.client;
  paths: KvPaths;
  retry: RetrySettings;
  /** Builds the authenticator, handing it the session's retries for its own calls. */
  authenticator(retrying: <T>(call: () => Promise<T>) => Promise<T>): VaultAuthenticator;
}

/** What the provider's operations share: the client, the login, the paths, and the way each call is made. */
export class VaultSession {
  readonly name: string;
  readonly client: nodeVault.client;
  readonly auth: VaultAuthenticator;
  readonly paths: KvPaths;
  readonly counters = { requests: 0, retries: 0, throttled: 0, relogins: 0 };
  /** The abort signal of the call in progress, through its async context (node-vault takes none). */
  readonly signal = new AsyncLocalStorage<AbortSignal | undefined>();
  readonly #retry: RetrySettings;

  constructor(settings: VaultSessionSettings) {
    this.name = settings.name;
    this.client = settings.client;
    this.paths = settings.paths;
    this.#retry = settings.retry;
    this.auth = settings.authenticator((call) => this.withRetries(call));
  }

  /**
   * One logical Vault call: authenticated, retried on transient failures, re-run once after a
   * new login when the token turns out dead, and mapped to hush's errors.
   */
  async call<T>(
    operation: string,
    key: string | undefined,
    call: () => Promise<unknown>,
    behaviour: { notFound?: T; raw?: boolean } = {},
  ): Promise<T> {
    const context = { provider: this.name, operation, ...(key !== undefined ? { key } : {}) };
    try {
      await this.auth.ensure();
    } catch (error) {
      throw toHushErrorOrSelf(error, context);
    }
    let relogged = false;
    for (;;) {
      const tokenUsed = this.client.token;
      try {
        return (await this.withRetries(call)) as T;
      } catch (error) {
        const failure = toFailure(error);
        if (failure.status === 404 && 'notFound' in behaviour) return behaviour.notFound as T;
        if (!relogged && failure.status === 403) {
          let recovered: boolean;
          try {
            recovered = await this.auth.recover(failure, tokenUsed);
          } catch (loginError) {
            throw toHushErrorOrSelf(loginError, context);
          }
          if (recovered) {
            relogged = true;
            this.counters.relogins++;
            continue;
          }
        }
        if (behaviour.raw) throw failure;
        throw toHushError(failure, context);
      }
    }
  }

  /**
   * Retries transient failures (core's full-jitter backoff). The caller's abort signal (carried
   * through the call's async context) ends the wait at once: node-vault takes no signal, so the
   * request itself ends at its own timeout.
   */
  async withRetries<T>(call: () => Promise<T>): Promise<T> {
    const signal = this.signal.getStore();
    return retry(
      async () => {
        this.counters.requests++;
        try {
          return await untilAborted(call, signal);
        } catch (error) {
          if (signal?.aborted) throw error;
          const failure: VaultFailure = toFailure(error);
          if (failure.status === 429) this.counters.throttled++;
          throw failure;
        }
      },
      {
        attempts: this.#retry.retries + 1,
        baseDelayMs: this.#retry.baseDelayMs,
        maxDelayMs: this.#retry.maxDelayMs,
        retryable: (failure) => (failure as VaultFailure).transient === true,
        onRetry: () => {
          this.counters.retries++;
        },
        ...(signal ? { abortSignal: signal } : {}),
      },
    );
  }

  /** A key's metadata (versions, custom metadata); null when there is no such key. */
  async readMetadata(key: string, operation: string): Promise<MetadataResponse['data'] | null> {
    const answer = await this.call<MetadataResponse | null>(
      operation,
      key,
      () => this.client.read(this.paths.metadata(key)),
      { notFound: null },
    );
    return answer?.data ?? null;
  }

  info(
    key: string,
    version: number,
    custom: unknown,
    dates: { createdAt?: Date; updatedAt?: Date },
  ): SecretInfo {
    return toSecretInfo(key, version, custom, dates, this.name);
  }
}

function toHushErrorOrSelf(
  error: unknown,
  context: { provider: string; operation: string; key?: string },
): Error {
  if (isHushError(error)) return error;
  return toHushError(toFailure(error), context);
}

/** Starts the work and settles with it, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return start();
  // Aborted already: the request is never sent.
  if (signal.aborted) return Promise.reject(signal.reason);
  const work = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
