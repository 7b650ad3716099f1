import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isThrottling } from './mapping.js';

/** What `metrics()` reports: requests, the SDK's attempts and retries, and why attempts failed. */
export interface Counters {
  operations: number;
  attempts: number;
  retries: number;
  throttled: number;
  serverErrors: number;
  networkErrors: number;
  batchCalls: number;
  describeDenied: number;
}

export function newCounters(): Counters {
  return {
    operations: 0,
    attempts: 0,
    retries: 0,
    throttled: 0,
    serverErrors: 0,
    networkErrors: 0,
    batchCalls: 0,
    describeDenied: 0,
  };
}

// The output type a command resolves to, read from its middleware handler's signature.
export type SdkCommand = { resolveMiddleware(...args: any[]): (args: any) => Promise<{ output: any }> };
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: any[]): (args: any) => Promise<{ output: infer O }>;
}
  ? O & { $metadata: { attempts?: number } }
  : never;

/** What a request is for (named in errors) and the caller's abort signal. */
export interface SendContext {
  operation: string;
  key?: string;
  signal?: AbortSignal;
}

/** Sends one command; the signal defaults to the context's. */
export type Send = <C extends SdkCommand>(
  command: C,
  context: SendContext,
  signal?: AbortSignal,
) => Promise<OutputOf<C>>;

/** A `Send` over `client` that counts the operation and the SDK's retries. */
export function createSend(client: SecretsManagerClient, counters: Counters): Send {
  return async <C extends SdkCommand>(
    command: C,
    context: SendContext,
    signal: AbortSignal | undefined = context.signal,
  ): Promise<OutputOf<C>> => {
    counters.operations++;
    try {
      const output = (await client.send(
        command as never,
        (signal ? { abortSignal: signal } : {}) as never,
      )) as OutputOf<C>;
      counters.retries += Math.max(0, (output.$metadata.attempts ?? 1) - 1);
      return output;
    } catch (error) {
      const attempts = (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
      counters.retries += Math.max(0, (attempts ?? 1) - 1);
      throw error;
    }
  };
}

/** Counts every attempt the SDK makes (inside its retry loop) and classifies failed ones. */
export function countAttempts(client: SecretsManagerClient, counters: Counters): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      counters.attempts++;
      try {
        return await next(args);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
        if (isThrottling(error)) counters.throttled++;
        else if (status !== undefined && status >= 500) counters.serverErrors++;
        else if (status === undefined && (error as { $fault?: string })?.$fault === undefined)
          counters.networkErrors++;
        throw error;
      }
    },
    { step: 'deserialize', name: 'hushAttemptCounter', priority: 'high', override: true },
  );
}
