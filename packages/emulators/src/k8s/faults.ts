import type { IncomingMessage, ServerResponse } from 'node:http';
import { type StatusError, statuses } from './status.js';

/** An injected 5xx: the API server's 500 `InternalError` Status. */
export function faultError(): StatusError {
  return statuses.internal('injected fault');
}

/**
 * An injected echo: the 400 the API server gives a body it cannot decode, which quotes the body
 * (`Secret in version "v1" cannot be handled as a Secret: ...`). Only for requests with a body.
 */
export async function echoFault(req: IncomingMessage): Promise<StatusError | undefined> {
  if (!['POST', 'PUT', 'PATCH'].includes(req.method ?? '')) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  if (body === '') return undefined;
  return statuses.badRequest(`Secret in version "v1" cannot be handled as a Secret: invalid input ${body}`);
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
