import { formatGoDuration, parseDurationSeconds } from './auth.js';
import {
  type Allowed,
  envelope,
  errors,
  NO_CONTENT,
  NOT_FOUND,
  noHandler,
  POLICY_DENIED,
  type RouteContext,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';
import type { Lease } from './state.js';

/** `sys/leases/<verb>` and the older `sys/<verb>` forms. */
export const LEASE_PATH = /^sys\/(leases\/)?(lookup|renew|revoke|revoke-prefix|revoke-force)(\/|$)/;

/**
 * `sys/leases/*` (and the older `sys/renew`, `sys/revoke`), as Vault's system backend serves
 * them: lookup, list (sudo), renew, revoke, revoke-prefix (sudo). Errors are the expiration
 * manager's own words, answered 400 as the system backend answers them.
 */
export function leaseRoute(ctx: RouteContext, request: VaultRequest, allowed: Allowed): VaultResponse {
  const path = request.path.replace(/^sys\/(leases\/)?/, '');
  const [verb, ...rest] = path.split('/');
  const suffix = rest.join('/');
  if (verb === 'lookup') {
    if (request.operation === 'list') return listLeases(ctx, suffix, allowed);
    if (suffix) return noHandler(request.path);
    return lookup(ctx, request, allowed);
  }
  if (request.operation !== 'write') return errors(405, 'unsupported operation');
  switch (verb) {
    case 'renew':
      return renewLease(ctx, request, suffix, allowed);
    case 'revoke':
      return revokeLease(ctx, request, suffix, allowed);
    case 'revoke-prefix':
    case 'revoke-force':
      return revokePrefix(ctx, request, suffix, allowed);
    default:
      return noHandler(request.path);
  }
}

/** Vault prints times in RFC 3339 with the server's zone; the emulator's is UTC. */
const iso = (ms: number) => new Date(ms).toISOString();
const ttlOf = (ctx: RouteContext, lease: Lease) =>
  Math.max(0, Math.round((lease.expireTime - ctx.state.now()) / 1000));

function leaseIdOf(request: VaultRequest, fromUrl: string): string {
  return String(request.body.lease_id ?? '') || fromUrl;
}

function lookup(ctx: RouteContext, request: VaultRequest, allowed: Allowed): VaultResponse {
  if (request.operation !== 'write' && request.operation !== 'read')
    return errors(405, 'unsupported operation');
  if (!allowed('update')) return POLICY_DENIED;
  const id = leaseIdOf(request, '');
  if (!id) return errors(400, 'lease_id must be specified');
  const lease = ctx.state.lease(id);
  if (!lease) return errors(400, 'invalid lease');
  return envelope({
    expire_time: iso(lease.expireTime),
    id: lease.id,
    issue_time: iso(lease.issueTime),
    last_renewal: lease.lastRenewal === null ? null : iso(lease.lastRenewal),
    renewable: lease.renewable,
    ttl: ttlOf(ctx, lease),
  });
}

function listLeases(ctx: RouteContext, prefix: string, allowed: Allowed): VaultResponse {
  if (!allowed('list') || !allowed('sudo')) return POLICY_DENIED;
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const children = new Set<string>();
  for (const lease of ctx.state.leasesUnder(folder)) {
    const rest = lease.id.slice(folder.length);
    const slash = rest.indexOf('/');
    children.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  // An empty listing is a 404, as every LIST in Vault.
  return children.size ? envelope({ keys: [...children].sort() }) : NOT_FOUND;
}

function renewLease(
  ctx: RouteContext,
  request: VaultRequest,
  fromUrl: string,
  allowed: Allowed,
): VaultResponse {
  if (!allowed('update')) return POLICY_DENIED;
  const id = leaseIdOf(request, fromUrl);
  if (!id) return errors(400, 'lease_id must be specified');
  let increment: number;
  try {
    increment = parseDurationSeconds(request.body.increment) ?? 0;
  } catch (error) {
    return errors(400, (error as Error).message);
  }
  const lease = ctx.state.lease(id);
  if (!lease) return errors(400, 'lease not found');
  if (!lease.renewable) return errors(400, 'lease is not renewable');
  const now = ctx.state.now();
  const maxValid = Math.floor((lease.maxExpireTime - now) / 1000);
  if (maxValid < 0)
    return errors(
      400,
      'failed to renew entry: resp: (*logical.Response)(nil) err: past the max TTL, cannot renew',
    );
  let ttl = increment > 0 ? increment : lease.defaultTtl;
  const warnings: string[] = [];
  if (ttl > maxValid) {
    warnings.push(
      `TTL of "${formatGoDuration(ttl)}" exceeded the effective max_ttl of "${formatGoDuration(maxValid)}"; TTL value is capped accordingly`,
    );
    ttl = maxValid;
  }
  lease.expireTime = now + ttl * 1000;
  lease.lastRenewal = now;
  ctx.state.dirty = true;
  const answer = envelope(null, { warnings: warnings.length ? warnings : null });
  return {
    status: 200,
    body: {
      ...(answer.body as Record<string, unknown>),
      lease_id: lease.id,
      renewable: lease.renewable,
      lease_duration: ttl,
    },
  };
}

function revokeLease(
  ctx: RouteContext,
  request: VaultRequest,
  fromUrl: string,
  allowed: Allowed,
): VaultResponse {
  if (!allowed('update')) return POLICY_DENIED;
  const id = leaseIdOf(request, fromUrl);
  if (!id) return errors(400, 'lease_id must be specified');
  // Revoking a lease that does not exist is not an error.
  if (ctx.state.data.leases[id]) {
    delete ctx.state.data.leases[id];
    ctx.state.dirty = true;
  }
  // `sync: false` queues the revocation: 202 Accepted.
  return request.body.sync === false ? { status: 202 } : NO_CONTENT;
}

/**
 * `sys/leases/revoke-prefix/:prefix` (sudo): a prefix without a trailing slash that is a lease id
 * revokes that lease; any other is a path, so `database/creds/ap` leaves `database/creds/app/…`
 * alone. An empty prefix matches no route, as `(?P<prefix>.+)` does not. A prefix that matches
 * nothing is still a 204: Vault does not say how many leases it revoked.
 */
function revokePrefix(
  ctx: RouteContext,
  request: VaultRequest,
  prefix: string,
  allowed: Allowed,
): VaultResponse {
  if (!prefix) return noHandler(request.path);
  if (!allowed('update') || !allowed('sudo')) return POLICY_DENIED;
  const leases = ctx.state.data.leases;
  const doomed =
    !prefix.endsWith('/') && leases[prefix]
      ? [prefix]
      : Object.keys(leases).filter((id) => id.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
  for (const id of doomed) delete leases[id];
  if (doomed.length) ctx.state.dirty = true;
  // `sync` is a TypeBool: JSON false or the string "false" queue the revocations (202 Accepted).
  const queued = request.body.sync === false || request.body.sync === 'false';
  return queued ? { status: 202 } : NO_CONTENT;
}

/** Revokes every lease a token read: Vault revokes a token's leases with it. */
export function revokeLeasesOf(ctx: RouteContext, tokenAccessor: string): void {
  for (const [id, lease] of Object.entries(ctx.state.data.leases))
    if (lease.tokenAccessor === tokenAccessor) {
      delete ctx.state.data.leases[id];
      ctx.state.dirty = true;
    }
}
