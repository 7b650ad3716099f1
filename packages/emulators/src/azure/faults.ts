import type { FaultDecision } from '../faults.js';
import { errorReply, type Reply } from './routes.js';

/**
 * Key Vault's own answers to an injected fault (an outage has none: the socket is dropped).
 * `errorCount` alternates the two 5xx answers the service gives under trouble; throttling is
 * the 429 with `Retry-After` that the SDK's retry policy honours.
 */
export function faultReply(
  fault: Exclude<FaultDecision, 'outage' | null>,
  errorCount: number,
  retryAfterSeconds: number,
  body = '',
): Reply {
  // A BadParameter quoting the input, as the service's validation messages may.
  if (fault === 'echo') return errorReply(400, 'BadParameter', `The request body is not valid: ${body}`);
  if (fault === 'throttle')
    return errorReply(
      429,
      'Throttled',
      'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    );
  return errorCount % 2 === 0
    ? errorReply(
        500,
        'InternalServerError',
        'The server encountered an internal error. Please retry the request.',
      )
    : errorReply(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Please retry the request.',
      );
}
