import type { FaultDecision } from '../faults.js';
import { AwsError } from './errors.js';

/**
 * Secrets Manager's own answers to an injected fault (an outage has none: the socket is dropped).
 * Throttling is a 400 with `message` in lower case, as the JSON 1.1 services write it.
 */
export function faultError(fault: Exclude<FaultDecision, 'outage' | null>): AwsError {
  return fault === 'error'
    ? new AwsError('InternalServiceError', 'An error occurred on the server side.', 500)
    : new AwsError('ThrottlingException', 'Rate exceeded', 400, 'message');
}
