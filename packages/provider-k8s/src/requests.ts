import { HushError, retry, withTimeout } from '@hush/core';
import {
  type CoreV1Api,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { type ErrorContext, retryAfterMs, statusCodeOf, toHushError } from './mapping.js';
import type { Counters, Request } from './session.js';

interface RequestSettings {
  name: string;
  maxRetries: number;
  timeoutMs: number;
  counters: Counters;
  /** What an error names for a failed `verb` on `key`. */
  context(verb: string, key?: string): ErrorContext;
}

/**
 * One API call with a timeout and retries of throttled (429) answers (core's full-jitter
 * retry, honouring the server's Retry-After). 404 and 409 are passed through raw for the
 * caller to interpret (`raw`), other failures become hush errors. The call gets a signal
 * that aborts on the timeout and with the caller's.
 */
export function createRequest(api: CoreV1Api, settings: RequestSettings): Request {
  const { counters } = settings;
  return async <T>(
    verb: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    call: (api: CoreV1Api) => Promise<T>,
    maxRetries = settings.maxRetries,
    raw = false,
  ): Promise<T> => {
    try {
      return await retry(
        () => {
          counters.requests++;
          return withTimeout((timeoutSignal) => call(apiFor(api, timeoutSignal)), settings.timeoutMs, {
            provider: settings.name,
            ...(signal ? { abortSignal: signal } : {}),
          });
        },
        {
          attempts: maxRetries + 1,
          baseDelayMs: 250,
          maxDelayMs: 5_000,
          retryable: (error) => statusCodeOf(error) === 429,
          delayMs: (error) => retryAfterMs(error),
          onRetry: () => {
            counters.throttled++;
            counters.retries++;
          },
          ...(signal ? { abortSignal: signal } : {}),
        },
      );
    } catch (error) {
      const code = statusCodeOf(error);
      if (code === 429) counters.throttled++;
      if (code === 404 || (raw && code === 409)) throw error;
      if (error instanceof HushError) throw error;
      throw toHushError(error, settings.context(verb, key));
    }
  };
}

/** The API with `signal` set on every request it sends (client-node's fetch takes it). */
function apiFor(api: CoreV1Api, signal: AbortSignal): CoreV1Api {
  const options = {
    middleware: [
      // The object API runs its middleware as (its stub of) observables.
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
  return new Proxy(api, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function') return member;
      return (param: unknown) => (member as (p: unknown, o: unknown) => unknown).call(target, param, options);
    },
  });
}
