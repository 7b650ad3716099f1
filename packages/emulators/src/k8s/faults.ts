import type { ServerResponse } from 'node:http';
import { type StatusError, statuses } from './status.js';

/** An injected 5xx: the API server's 500 `InternalError` Status. */
export function faultError(): StatusError {
  return statuses.internal('injected fault');
}

/**
 * An injected throttle. The max-in-flight and priority-and-fairness filters answer before any
 * API handler, with a plain-text body (http.Error), not a Status.
 */
export function sendThrottled(res: ServerResponse): void {
  res.writeHead(429, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'retry-after': '1',
  });
  res.end('Too many requests, please try again later.\n');
}
