import { parsePolicy } from './auth.js';
import { LEASE_PATH, leaseRoute } from './lease-routes.js';
import { mountRoute } from './mount-routes.js';
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

export { initStatus } from './mount-routes.js';

/** Every authenticated `sys/` path: policies, mounts, auth methods, the UI's mount lookup. */
export function sysRoute(ctx: RouteContext, request: VaultRequest, allowed: Allowed): VaultResponse {
  const { path } = request;
  if (path.startsWith('sys/policies/acl') || path.startsWith('sys/policy'))
    return policyRoute(ctx, request, allowed);
  if (LEASE_PATH.test(path)) return leaseRoute(ctx, request, allowed);
  if (path.startsWith('sys/internal/ui/mounts/')) return uiMount(ctx, request);
  if (
    path === 'sys/mounts' ||
    path.startsWith('sys/mounts/') ||
    path === 'sys/auth' ||
    path.startsWith('sys/auth/')
  )
    return mountRoute(ctx, request, allowed);
  return noHandler(path);
}

export function health(ctx: RouteContext, request: VaultRequest): VaultResponse {
  const body = {
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(ctx.state.now() / 1000),
    version: '1.17.0+hush-emulator',
    enterprise: false,
    cluster_name: 'hush-emulator',
    cluster_id: 'hush-emulator-cluster',
    echo_duration_ms: 0,
    clock_skew_ms: 0,
  };
  const code = Number(request.query.get('activecode') ?? 200);
  return { status: Number.isFinite(code) && code > 0 ? code : 200, body };
}

export function sealStatus(): VaultResponse {
  return {
    status: 200,
    body: {
      type: 'shamir',
      initialized: true,
      sealed: false,
      t: 1,
      n: 1,
      progress: 0,
      nonce: '',
      version: '1.17.0+hush-emulator',
      build_date: '2024-06-10T10:11:34Z',
      migration: false,
      cluster_name: 'hush-emulator',
      cluster_id: 'hush-emulator-cluster',
      recovery_seal: false,
      storage_type: 'inmem',
    },
  };
}

function uiMount(ctx: RouteContext, request: VaultRequest): VaultResponse {
  const target = request.path.slice('sys/internal/ui/mounts/'.length);
  const mount = ctx.settings.kvMounts.find((m) => target === m || target.startsWith(`${m}/`));
  if (!mount)
    return errors(
      403,
      'preflight capability check returned 403, please ensure client\'s policies grant access to path "' +
        target +
        '/"',
    );
  return envelope({
    path: `${mount}/`,
    type: 'kv',
    description: 'key/value secret storage',
    options: { version: '2' },
    config: {},
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    uuid: 'hush-emulator-kv',
    accessor: `kv_${mount}`,
  });
}

function policyRoute(ctx: RouteContext, request: VaultRequest, allowed: Allowed): VaultResponse {
  const legacy = request.path.startsWith('sys/policy');
  const base = legacy ? 'sys/policy' : 'sys/policies/acl';
  const name = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
  const policies = ctx.state.data.policies;
  if (name === '') {
    if (request.operation !== 'list' && !(legacy && request.operation === 'read'))
      return errors(405, 'unsupported operation');
    if (!allowed(request.operation === 'list' ? 'list' : 'read')) return POLICY_DENIED;
    const keys = [...new Set(['default', 'root', ...Object.keys(policies)])].sort();
    return envelope(legacy ? { keys, policies: keys } : { keys });
  }
  switch (request.operation) {
    case 'read': {
      if (!allowed('read')) return POLICY_DENIED;
      const policy = policies[name];
      if (!policy) return NOT_FOUND;
      return envelope(legacy ? { name, rules: policy.raw } : { name, policy: policy.raw });
    }
    case 'write': {
      if (name === 'root') return errors(400, 'cannot update "root" policy');
      if (!allowed(policies[name] ? 'update' : 'create')) return POLICY_DENIED;
      const text = String(request.body.policy ?? request.body.rules ?? '');
      if (!text) return errors(400, "'policy' parameter not supplied or empty");
      try {
        policies[name] = { raw: text, rules: parsePolicy(text) };
      } catch (error) {
        return errors(400, (error as Error).message);
      }
      ctx.state.dirty = true;
      return NO_CONTENT;
    }
    case 'delete':
      if (name === 'root' || name === 'default') return errors(400, `cannot delete "${name}" policy`);
      if (!allowed('delete')) return POLICY_DENIED;
      delete policies[name];
      ctx.state.dirty = true;
      return NO_CONTENT;
    default:
      return errors(405, 'unsupported operation');
  }
}
