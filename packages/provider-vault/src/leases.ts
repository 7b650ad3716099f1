import { ValidationError } from '@hush/core';
import type nodeVault from 'node-vault';
import type { VaultCall } from './dynamic.js';

/**
 * Revokes every lease under a prefix, as `vault lease revoke -prefix` does, through
 * `sys/leases/revoke-prefix/<prefix>` (sudo). Vault reads the prefix as a path: `database/creds/app`
 * ends each lease of that role (and `database/creds/ap` none of them), and a full lease id ends
 * that lease. The call is synchronous (Vault's default): when it returns, the leases are gone.
 */
export async function revokeLeasePrefix(
  client: nodeVault.client,
  call: VaultCall,
  prefix: string,
): Promise<void> {
  const path = leasePrefixPath(prefix);
  await call('revokeLeasePrefix', undefined, () => client.write(`sys/leases/revoke-prefix/${path}`, {}));
}

/** The prefix as a URL path: segments encoded, leading slashes dropped; empty is refused. */
export function leasePrefixPath(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  if (trimmed === '')
    throw new ValidationError('a lease prefix cannot be empty: name the mount or role (database/creds/app)');
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..'))
    throw new ValidationError(`lease prefix '${prefix}' has a '.' or '..' segment`);
  return trimmed
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
