import type { CoreV1Api } from '@kubernetes/client-node';
import type { ErrorContext, MappingMode } from './mapping.js';

/** What `metrics()` reports. */
export interface Counters {
  conflictRetries: number;
  conflictsExhausted: number;
  throttled: number;
  retries: number;
  requests: number;
}

/** One API call: `maxRetries` of 429 answers (default: the provider's); `raw` passes a 409 through. */
export type Request = <T>(
  verb: string,
  key: string | undefined,
  signal: AbortSignal | undefined,
  call: (api: CoreV1Api) => Promise<T>,
  maxRetries?: number,
  raw?: boolean,
) => Promise<T>;

/** What the provider's operations share: its settings, counters, write locks and the request path. */
export interface K8sSession {
  /** The provider instance's name, for errors and secrets. */
  readonly name: string;
  readonly namespace: string;
  /** The cluster's API server, named in errors and health. */
  readonly server: string;
  readonly mode: MappingMode;
  readonly defaultKey: string;
  readonly labelSelector?: string;
  readonly pageSize: number;
  readonly maxConflictRetries: number;
  readonly counters: Counters;
  /** Writes to one Secret from this process queue up instead of racing each other into 409s. */
  readonly locks: Map<string, Promise<unknown>>;
  readonly request: Request;
}

/** What an error names besides its cause: provider, namespace, server, verb and key. */
export function errorContext(session: K8sSession, verb: string, key?: string): ErrorContext {
  return {
    provider: session.name,
    namespace: session.namespace,
    server: session.server,
    verb,
    ...(key ? { key } : {}),
  };
}
