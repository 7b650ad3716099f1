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
  request: unknown = {},
): GcpError {
  // INVALID_ARGUMENT quoting the request, payload bytes as text, as a validation message may.
  if (fault === 'echo') return new GcpError(status.INVALID_ARGUMENT, `Invalid request: ${quote(request)}`);
  if (fault === 'outage' || (fault === 'error' && errorCode === 'UNAVAILABLE'))
    return new GcpError(status.UNAVAILABLE, 'The service is currently unavailable.');
  if (fault === 'error') return new GcpError(status.INTERNAL, 'Internal error encountered.');
  return new GcpError(
    status.RESOURCE_EXHAUSTED,
    "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project'.",
  );
}

function quote(request: unknown): string {
  return JSON.stringify(request, (_key, value: unknown) => {
    const bytes = value as { type?: unknown; data?: unknown } | null;
    return bytes?.type === 'Buffer' && Array.isArray(bytes.data)
      ? Buffer.from(bytes.data as number[]).toString('utf8')
      : value;
  });
}
