import type { FaultDecision } from '../faults.js';
import { AwsError } from './errors.js';

/**
 * Secrets Manager's own answers to an injected fault (an outage has none: the socket is dropped).
 * Throttling is a 400 with `message` in lower case, as the JSON 1.1 services write it.
 */
export function faultError(fault: Exclude<FaultDecision, 'outage' | null>, body = ''): AwsError {
  // A validation error that quotes the input, as the JSON services' "Value '...' at '...' failed
  // to satisfy constraint" errors do for fields not marked sensitive.
  if (fault === 'echo')
    return new AwsError(
      'ValidationException',
      `1 validation error detected: the request ${body} failed to satisfy constraint`,
      400,
    );
  return fault === 'error'
    ? new AwsError('InternalServiceError', 'An error occurred on the server side.', 500)
    : new AwsError('ThrottlingException', 'Rate exceeded', 400, 'message');
}
