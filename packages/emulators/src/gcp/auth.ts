import { type Metadata, status } from '@grpc/grpc-js';
import { GcpError } from './errors.js';

/** Checks `authorization: Bearer <token>` from the call metadata, with the service's messages. */
export function checkBearer(metadata: Metadata, tokens: ReadonlySet<string>): void {
  const header = metadata.get('authorization')[0];
  if (header === undefined || header === '') {
    throw new GcpError(
      status.UNAUTHENTICATED,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(String(header));
  if (!match || !tokens.has(match[1]!)) {
    throw new GcpError(
      status.UNAUTHENTICATED,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    );
  }
}

/** IAM as the service words a refusal: the caller cannot tell a forbidden resource from a missing one. */
export function checkProject(
  project: string,
  allowed: ReadonlySet<string> | undefined,
  permission: string,
  resource: string,
): void {
  if (allowed && !allowed.has(project)) {
    throw new GcpError(
      status.PERMISSION_DENIED,
      `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`,
    );
  }
}
