import { newDatabaseMount } from './database-routes.js';
import {
  type Allowed,
  envelope,
  errors,
  NO_CONTENT,
  POLICY_DENIED,
  type RouteContext,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';

/** A mount as `sys/mounts` and `sys/auth` describe it. */
interface MountDescription {
  type: string;
  description: string;
  accessor: string;
  local: boolean;
  options: Record<string, string> | null;
}

function describeMount(mount: MountDescription): Record<string, unknown> {
  return {
    accessor: mount.accessor,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description: mount.description,
    external_entropy_access: false,
    local: mount.local,
    options: mount.options,
    plugin_version: '',
    running_plugin_version: `v1.17.0+builtin.vault`,
    running_sha256: '',
    seal_wrap: false,
    type: mount.type,
    uuid: `hush-emulator-${mount.accessor}`,
  };
}

/** `GET sys/init`: the emulator is always initialised, as a dev server is. */
export function initStatus(request: VaultRequest): VaultResponse {
  if (request.operation !== 'read') return errors(400, 'Vault is already initialized');
  return { status: 200, body: { initialized: true } };
}

function secretMounts(ctx: RouteContext): Record<string, MountDescription> {
  const mounts: Record<string, MountDescription> = {
    'cubbyhole/': {
      type: 'cubbyhole',
      description: 'per-token private secret storage',
      accessor: 'cubbyhole_hush',
      local: true,
      options: null,
    },
    'identity/': {
      type: 'identity',
      description: 'identity store',
      accessor: 'identity_hush',
      local: false,
      options: null,
    },
  };
  for (const mount of ctx.settings.kvMounts)
    mounts[`${mount}/`] = {
      type: 'kv',
      description: 'key/value secret storage',
      accessor: `kv_${mount}`,
      local: false,
      options: { version: '2' },
    };
  for (const mount of Object.keys(ctx.state.data.databases))
    mounts[`${mount}/`] = {
      type: 'database',
      description: '',
      accessor: `database_${mount.replaceAll('/', '_')}`,
      local: false,
      options: null,
    };
  mounts['sys/'] = {
    type: 'system',
    description: 'system endpoints used for control, policy and debugging',
    accessor: 'system_hush',
    local: false,
    options: null,
  };
  return mounts;
}

function authMounts(ctx: RouteContext): Record<string, MountDescription> {
  const mounts: Record<string, MountDescription> = {
    'token/': {
      type: 'token',
      description: 'token based credentials',
      accessor: 'auth_token_hush',
      local: false,
      options: null,
    },
  };
  for (const [path, type] of Object.entries(ctx.state.data.authMounts))
    mounts[`${path}/`] = {
      type,
      description: '',
      accessor: `auth_${type}_${path.replaceAll('/', '_')}`,
      local: false,
      options: null,
    };
  return mounts;
}

/** Vault answers a mount listing with the mounts both at the top level and under `data`. */
function listing(mounts: Record<string, MountDescription>): VaultResponse {
  const described = Object.fromEntries(Object.entries(mounts).map(([p, m]) => [p, describeMount(m)]));
  const answer = envelope(described);
  return { status: 200, body: { ...described, ...(answer.body as Record<string, unknown>) } };
}

/** `sys/mounts` (list, and enabling a KV version 2 or database engine) and `sys/auth` (list, enable). */
export function mountRoute(ctx: RouteContext, request: VaultRequest, allowed: Allowed): VaultResponse {
  const auth = request.path.startsWith('sys/auth');
  const base = auth ? 'sys/auth' : 'sys/mounts';
  const path = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
  if (path === '') {
    if (request.operation !== 'read') return errors(405, 'unsupported operation');
    if (!allowed('read')) return POLICY_DENIED;
    return listing(auth ? authMounts(ctx) : secretMounts(ctx));
  }
  if (request.operation !== 'write') return errors(405, 'unsupported operation');
  if (!allowed(auth ? 'sudo' : 'update') && !allowed('update')) return POLICY_DENIED;
  const type = String(request.body.type ?? '');
  if (!type) return errors(400, 'backend type must be specified as a string');
  const taken = auth ? authMounts(ctx) : secretMounts(ctx);
  if (taken[`${path}/`]) return errors(400, `path is already in use at ${path}/`);
  if (auth) {
    if (type !== 'approle' && type !== 'kubernetes')
      return errors(400, `plugin not found in the catalog: ${type}`);
    ctx.state.data.authMounts[path] = type;
  } else if (type === 'database') {
    ctx.state.data.databases[path] = newDatabaseMount();
  } else {
    const options = request.body.options as Record<string, unknown> | undefined;
    if ((type !== 'kv' && type !== 'kv-v2') || (type === 'kv' && String(options?.version ?? '1') !== '2'))
      return errors(400, `plugin not found in the catalog: ${type}`);
    ctx.settings.kvMounts.push(path);
    ctx.state.data.secretMounts[path] = 'kv-v2';
  }
  ctx.state.dirty = true;
  return NO_CONTENT;
}
