import { randomInt } from 'node:crypto';
import { parseDurationSeconds } from './auth.js';
import {
  type Allowed,
  envelope,
  errors,
  NO_CONTENT,
  NOT_FOUND,
  noHandler,
  POLICY_DENIED,
  type RouteContext,
  stringList,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';
import type { DatabaseMount, DatabaseRole, Lease, Token } from './state.js';

/**
 * The database secrets engine (Vault's `builtin/logical/database`): connections, dynamic roles
 * and `creds/<role>`, which issues a username and password under a lease. No database is
 * connected to: the credential is made up, the lease is real (renewable, revocable, expiring).
 */

/** Vault's system default and maximum lease TTL (32 days). */
export const SYSTEM_MAX_TTL = 768 * 3600;

export function splitDatabasePath(
  path: string,
  mounts: string[],
): { mount: string; kind: 'config' | 'roles' | 'creds'; name: string } | undefined {
  for (const mount of mounts) {
    if (!path.startsWith(`${mount}/`)) continue;
    const rest = path.slice(mount.length + 1).replace(/\/$/, '');
    const slash = rest.indexOf('/');
    const kind = slash < 0 ? rest : rest.slice(0, slash);
    if (kind !== 'config' && kind !== 'roles' && kind !== 'creds') return undefined;
    return { mount, kind, name: slash < 0 ? '' : rest.slice(slash + 1) };
  }
  return undefined;
}

export function newDatabaseMount(): DatabaseMount {
  return { connections: {}, roles: {} };
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random62 = (length: number) => Array.from({ length }, () => BASE62[randomInt(BASE62.length)]).join('');

/** Vault's default password policy: 20 characters, at least one upper, lower, digit and dash. */
function generatePassword(): string {
  const chars = [
    BASE62[randomInt(26)]!,
    BASE62[26 + randomInt(26)]!,
    BASE62[52 + randomInt(10)]!,
    '-',
    ...Array.from({ length: 16 }, () => BASE62[randomInt(BASE62.length)]!),
  ];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** `v-<display name>-<role>-<20 random>-<unix time>`, as the SQL plugins name users (63 at most). */
function generateUsername(displayName: string, role: string, now: number): string {
  return `v-${displayName.slice(0, 8)}-${role.slice(0, 8)}-${random62(20)}-${Math.floor(now / 1000)}`.slice(
    0,
    63,
  );
}

export function databaseRoute(
  ctx: RouteContext,
  request: VaultRequest,
  target: { mount: string; kind: 'config' | 'roles' | 'creds'; name: string },
  token: Token,
  allowed: Allowed,
): VaultResponse {
  const mount = ctx.state.data.databases[target.mount]!;
  if (target.kind === 'creds') return issueCredentials(ctx, request, target, mount, token, allowed);
  if (target.kind === 'config') return connectionRoute(ctx, request, target.name, mount, allowed);
  return roleRoute(ctx, request, target.name, mount, allowed);
}

function listing(keys: string[], allowed: Allowed): VaultResponse {
  if (!allowed('list')) return POLICY_DENIED;
  return keys.length ? envelope({ keys: keys.sort() }, { mountType: 'database' }) : NOT_FOUND;
}

function connectionRoute(
  ctx: RouteContext,
  request: VaultRequest,
  name: string,
  mount: DatabaseMount,
  allowed: Allowed,
): VaultResponse {
  if (request.operation === 'list' || name === '') {
    if (request.operation !== 'list') return noHandler(request.path);
    return listing(Object.keys(mount.connections), allowed);
  }
  const existing = mount.connections[name];
  switch (request.operation) {
    case 'read':
      if (!allowed('read')) return POLICY_DENIED;
      if (!existing) return NOT_FOUND;
      return envelope(
        {
          allowed_roles: existing.allowedRoles,
          connection_details: { connection_url: existing.connectionUrl, username: existing.username },
          plugin_name: existing.pluginName,
          verify_connection: existing.verifyConnection,
        },
        { mountType: 'database' },
      );
    case 'write': {
      if (!allowed(existing ? 'update' : 'create')) return POLICY_DENIED;
      const body = request.body;
      const plugin = String(body.plugin_name ?? existing?.pluginName ?? '');
      if (!plugin) return errors(400, 'empty plugin name');
      mount.connections[name] = {
        pluginName: plugin,
        allowedRoles: stringList(body.allowed_roles) ?? existing?.allowedRoles ?? [],
        connectionUrl: String(body.connection_url ?? existing?.connectionUrl ?? ''),
        username: String(body.username ?? existing?.username ?? ''),
        verifyConnection: body.verify_connection !== false,
      };
      ctx.state.dirty = true;
      return NO_CONTENT;
    }
    case 'delete':
      if (!allowed('delete')) return POLICY_DENIED;
      delete mount.connections[name];
      ctx.state.dirty = true;
      return NO_CONTENT;
    default:
      return errors(405, 'unsupported operation');
  }
}

function roleRoute(
  ctx: RouteContext,
  request: VaultRequest,
  name: string,
  mount: DatabaseMount,
  allowed: Allowed,
): VaultResponse {
  if (request.operation === 'list' || name === '') {
    if (request.operation !== 'list') return noHandler(request.path);
    return listing(Object.keys(mount.roles), allowed);
  }
  const existing = mount.roles[name];
  switch (request.operation) {
    case 'read':
      if (!allowed('read')) return POLICY_DENIED;
      if (!existing) return NOT_FOUND;
      return envelope(
        {
          creation_statements: existing.creationStatements,
          credential_type: 'password',
          db_name: existing.dbName,
          default_ttl: existing.defaultTtl,
          max_ttl: existing.maxTtl,
          renew_statements: [],
          revocation_statements: existing.revocationStatements,
          rollback_statements: [],
        },
        { mountType: 'database' },
      );
    case 'write':
      return writeRole(ctx, request, name, mount, existing, allowed);
    case 'delete':
      if (!allowed('delete')) return POLICY_DENIED;
      delete mount.roles[name];
      ctx.state.dirty = true;
      return NO_CONTENT;
    default:
      return errors(405, 'unsupported operation');
  }
}

function writeRole(
  ctx: RouteContext,
  request: VaultRequest,
  name: string,
  mount: DatabaseMount,
  existing: DatabaseRole | undefined,
  allowed: Allowed,
): VaultResponse {
  if (!allowed(existing ? 'update' : 'create')) return POLICY_DENIED;
  const body = request.body;
  const dbName = String(body.db_name ?? existing?.dbName ?? '');
  if (!dbName) return errors(400, 'empty database name attribute');
  const creation = stringList(body.creation_statements) ?? existing?.creationStatements ?? [];
  if (creation.length === 0) return errors(400, 'statements are required');
  let defaultTtl: number;
  let maxTtl: number;
  try {
    defaultTtl = parseDurationSeconds(body.default_ttl) ?? existing?.defaultTtl ?? 0;
    maxTtl = parseDurationSeconds(body.max_ttl) ?? existing?.maxTtl ?? 0;
  } catch (error) {
    return errors(400, (error as Error).message);
  }
  if (maxTtl > 0 && defaultTtl > maxTtl) return errors(400, 'ttl cannot be greater than max_ttl');
  mount.roles[name] = {
    dbName,
    defaultTtl,
    maxTtl,
    creationStatements: creation,
    revocationStatements: stringList(body.revocation_statements) ?? existing?.revocationStatements ?? [],
    renewable: existing?.renewable ?? true,
  };
  ctx.state.dirty = true;
  return NO_CONTENT;
}

function matchesAllowed(allowedRoles: string[], role: string): boolean {
  return allowedRoles.some(
    (pattern) =>
      pattern === '*' || pattern === role || (pattern.endsWith('*') && role.startsWith(pattern.slice(0, -1))),
  );
}

function issueCredentials(
  ctx: RouteContext,
  request: VaultRequest,
  target: { mount: string; name: string },
  mount: DatabaseMount,
  token: Token,
  allowed: Allowed,
): VaultResponse {
  if (request.operation !== 'read') return errors(405, 'unsupported operation');
  if (!target.name) return noHandler(request.path);
  if (!allowed('read')) return POLICY_DENIED;
  const role = mount.roles[target.name];
  if (!role) return errors(400, `unknown role: ${target.name}`);
  const connection = mount.connections[role.dbName];
  // The engine answers a role its connection does not allow with an internal error.
  if (!connection || !matchesAllowed(connection.allowedRoles, target.name))
    return errors(500, `1 error occurred:\n\t* "${target.name}" is not an allowed role\n\n`);
  const now = ctx.state.now();
  const maxTtl = role.maxTtl > 0 ? Math.min(role.maxTtl, SYSTEM_MAX_TTL) : SYSTEM_MAX_TTL;
  const ttl = Math.min(role.defaultTtl > 0 ? role.defaultTtl : SYSTEM_MAX_TTL, maxTtl);
  const path = `${target.mount}/creds/${target.name}`;
  const lease: Lease = {
    id: `${path}/${random62(24)}`,
    path,
    data: {
      username: generateUsername(token.displayName, target.name, now),
      password: generatePassword(),
    },
    issueTime: now,
    expireTime: now + ttl * 1000,
    lastRenewal: null,
    maxExpireTime: now + maxTtl * 1000,
    renewable: role.renewable,
    defaultTtl: ttl,
    tokenAccessor: token.accessor,
  };
  ctx.state.data.leases[lease.id] = lease;
  ctx.state.dirty = true;
  const answer = envelope(structuredClone(lease.data), { mountType: 'database' });
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
