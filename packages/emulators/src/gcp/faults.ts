import { status } from '@grpc/grpc-js';
import type { FaultDecision } from '../faults.js';
import { GcpError } from './errors.js';

/**
 * Secret Manager's own statuses for an injected fault. Unlike the HTTP emulators an outage is
 * answered (UNAVAILABLE, what a client sees while the service is down); `suspend()` gives the
 * dropped-connection kind. `errorCode` picks INTERNAL (default) or UNAVAILABLE for the error rate.
 */
export function faultError(
  fault: Exclude<FaultDecision, null>,
  errorCode: 'INTERNAL' | 'UNAVAILABLE' = 'INTERNAL',
): GcpError {
  if (fault === 'outage' || (fault === 'error' && errorCode === 'UNAVAILABLE'))
    return new GcpError(status.UNAVAILABLE, 'The service is currently unavailable.');
  if (fault === 'error') return new GcpError(status.INTERNAL, 'Internal error encountered.');
  return new GcpError(
    status.RESOURCE_EXHAUSTED,
    "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project'.",
  );
}
