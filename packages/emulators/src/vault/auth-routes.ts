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
import { type AppRole, type KubernetesRole, newUuid } from './state.js';
import { authBlock } from './token-routes.js';

export function approleLogin(ctx: RouteContext, request: VaultRequest, mount: string): VaultResponse {
  const roleId = String(request.body.role_id ?? '');
  const secretId = request.body.secret_id === undefined ? '' : String(request.body.secret_id);
  if (!roleId) return errors(400, 'missing role_id');
  const entry = Object.entries(ctx.state.data.approle).find(([, role]) => role.roleId === roleId);
  if (!entry) return errors(400, 'invalid role or secret ID');
  const [roleName, role] = entry;
  if (role.bindSecretId) {
    if (!secretId) return errors(400, 'missing secret_id');
    const secret = role.secretIds[secretId];
    const now = ctx.state.now();
    if (!secret || (secret.ttl > 0 && secret.createdAt + secret.ttl * 1000 <= now)) {
      return errors(400, 'invalid role or secret ID');
    }
    if (secret.numUses > 0) {
      secret.usesLeft -= 1;
      if (secret.usesLeft <= 0) delete role.secretIds[secretId];
    }
  }
  const metadata = { role_name: roleName };
  const token = ctx.state.issueToken({
    policies: role.tokenNoDefaultPolicy ? role.tokenPolicies : [...role.tokenPolicies, 'default'],
    ttl: role.tokenTtl || ctx.settings.defaultTokenTtl,
    maxTtl: role.tokenMaxTtl || ctx.settings.maxTokenTtl,
    renewable: true,
    displayName: 'approle',
    path: `auth/${mount}/login`,
    meta: metadata,
    numUses: role.tokenNumUses,
  });
  return envelope(null, { auth: authBlock(ctx, token, metadata) });
}

export function approleRoute(
  ctx: RouteContext,
  request: VaultRequest,
  allowed: Allowed,
  mount: string,
): VaultResponse {
  const base = `auth/${mount}/role`;
  const rest = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
  const roles = ctx.state.data.approle;
  if (rest === '') return listRoles(roles, request, allowed);
  const [name, sub] = rest.split('/', 2) as [string, string | undefined];
  const role = roles[name];
  if (sub === undefined) {
    switch (request.operation) {
      case 'read':
        if (!allowed('read')) return POLICY_DENIED;
        if (!role) return NOT_FOUND;
        return envelope({
          bind_secret_id: role.bindSecretId,
          secret_id_num_uses: role.secretIdNumUses,
          secret_id_ttl: role.secretIdTtl,
          token_policies: role.tokenPolicies,
          policies: role.tokenPolicies,
          token_ttl: role.tokenTtl,
          token_max_ttl: role.tokenMaxTtl,
          token_num_uses: role.tokenNumUses,
          token_no_default_policy: role.tokenNoDefaultPolicy,
          token_type: 'default',
        });
      default:
        return changeRole(ctx, roles, name, request, allowed, applyAppRoleSettings);
    }
  }
  if (!role) return errors(400, `role "${name}" does not exist`);
  if (sub === 'role-id') {
    if (request.operation === 'read') {
      if (!allowed('read')) return POLICY_DENIED;
      return envelope({ role_id: role.roleId });
    }
    if (!allowed('update')) return POLICY_DENIED;
    if (!request.body.role_id) return errors(400, 'missing role_id');
    role.roleId = String(request.body.role_id);
    ctx.state.dirty = true;
    return NO_CONTENT;
  }
  if (sub === 'secret-id' || sub === 'custom-secret-id') {
    if (request.operation === 'list') {
      if (!allowed('list')) return POLICY_DENIED;
      const keys = Object.values(role.secretIds).map((s) => s.accessor);
      return keys.length ? envelope({ keys }) : NOT_FOUND;
    }
    if (request.operation !== 'write') return errors(405, 'unsupported operation');
    if (!allowed('update')) return POLICY_DENIED;
    const secretId = sub === 'custom-secret-id' ? String(request.body.secret_id ?? '') : newUuid();
    if (!secretId) return errors(400, 'missing secret_id');
    let ttl: number;
    try {
      ttl = parseDurationSeconds(request.body.ttl) ?? role.secretIdTtl;
    } catch (error) {
      return errors(400, (error as Error).message);
    }
    const numUses = Number(request.body.num_uses ?? role.secretIdNumUses) || 0;
    const accessor = newUuid();
    role.secretIds[secretId] = { accessor, createdAt: ctx.state.now(), ttl, numUses, usesLeft: numUses };
    ctx.state.dirty = true;
    return envelope({
      secret_id: secretId,
      secret_id_accessor: accessor,
      secret_id_ttl: ttl,
      secret_id_num_uses: numUses,
    });
  }
  return noHandler(request.path);
}

// ---- Kubernetes --------------------------------------------------------------------------

export function kubernetesLogin(ctx: RouteContext, request: VaultRequest, mount: string): VaultResponse {
  const roleName = String(request.body.role ?? '');
  const jwt = String(request.body.jwt ?? '');
  if (!roleName) return errors(400, 'missing role');
  if (!jwt) return errors(400, 'missing jwt');
  const role = ctx.state.data.kubernetes.roles[roleName];
  if (!role) return errors(400, `invalid role name "${roleName}"`);
  // Vault asks the cluster's TokenReview API; here the accepted service-account JWTs are configured.
  const account = ctx.state.data.kubernetes.serviceAccounts[jwt];
  if (!account) return errors(403, 'permission denied');
  const bound = (list: string[], value: string) => list.includes('*') || list.includes(value);
  if (!bound(role.boundServiceAccountNames, account.name))
    return errors(403, 'service account name not authorized');
  if (!bound(role.boundServiceAccountNamespaces, account.namespace))
    return errors(403, 'namespace not authorized');
  const metadata = {
    role: roleName,
    service_account_name: account.name,
    service_account_namespace: account.namespace,
    service_account_secret_name: '',
    service_account_uid: account.uid,
  };
  const token = ctx.state.issueToken({
    policies: role.tokenNoDefaultPolicy ? role.tokenPolicies : [...role.tokenPolicies, 'default'],
    ttl: role.tokenTtl || ctx.settings.defaultTokenTtl,
    maxTtl: role.tokenMaxTtl || ctx.settings.maxTokenTtl,
    renewable: true,
    displayName: `${mount}-${account.namespace}-${account.name}`,
    path: `auth/${mount}/login`,
    meta: metadata,
  });
  return envelope(null, { auth: authBlock(ctx, token, metadata) });
}

export function kubernetesRoute(
  ctx: RouteContext,
  request: VaultRequest,
  allowed: Allowed,
  mount: string,
): VaultResponse {
  const base = `auth/${mount}/role`;
  const name = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
  const roles = ctx.state.data.kubernetes.roles;
  if (name === '') return listRoles(roles, request, allowed);
  const role = roles[name];
  switch (request.operation) {
    case 'read':
      if (!allowed('read')) return POLICY_DENIED;
      if (!role) return NOT_FOUND;
      return envelope({
        bound_service_account_names: role.boundServiceAccountNames,
        bound_service_account_namespaces: role.boundServiceAccountNamespaces,
        token_policies: role.tokenPolicies,
        policies: role.tokenPolicies,
        token_ttl: role.tokenTtl,
        token_max_ttl: role.tokenMaxTtl,
        token_no_default_policy: role.tokenNoDefaultPolicy,
      });
    default:
      return changeRole(ctx, roles, name, request, allowed, applyKubernetesRoleSettings);
  }
}

/** LIST of a role collection (AppRole and Kubernetes roles answer alike). */
export function listRoles(
  roles: Record<string, unknown>,
  request: VaultRequest,
  allowed: Allowed,
): VaultResponse {
  if (request.operation !== 'list') return errors(405, 'unsupported operation');
  if (!allowed('list')) return POLICY_DENIED;
  const keys = Object.keys(roles).sort();
  return keys.length ? envelope({ keys }) : NOT_FOUND;
}

/** Write or delete of one role in a collection; other operations are refused. */
export function changeRole<R>(
  ctx: RouteContext,
  roles: Record<string, R>,
  name: string,
  request: VaultRequest,
  allowed: Allowed,
  apply: (existing: R | undefined, body: Record<string, unknown>) => R,
): VaultResponse {
  if (request.operation === 'write') {
    if (!allowed(roles[name] ? 'update' : 'create')) return POLICY_DENIED;
    try {
      roles[name] = apply(roles[name], request.body);
    } catch (error) {
      return errors(400, (error as Error).message);
    }
  } else if (request.operation === 'delete') {
    if (!allowed('delete')) return POLICY_DENIED;
    delete roles[name];
  } else return errors(405, 'unsupported operation');
  ctx.state.dirty = true;
  return NO_CONTENT;
}

// ---- policies ----------------------------------------------------------------------------

function durationOption(value: unknown, fallback: number): number {
  return parseDurationSeconds(value) ?? fallback;
}

export function applyAppRoleSettings(existing: AppRole | undefined, body: Record<string, unknown>): AppRole {
  const role: AppRole = existing ?? {
    roleId: newUuid(),
    bindSecretId: true,
    secretIds: {},
    secretIdTtl: 0,
    secretIdNumUses: 0,
    tokenPolicies: [],
    tokenTtl: 0,
    tokenMaxTtl: 0,
    tokenNumUses: 0,
    tokenNoDefaultPolicy: false,
  };
  const policies = stringList(body.token_policies) ?? stringList(body.policies);
  if (policies) role.tokenPolicies = policies;
  role.tokenTtl = durationOption(body.token_ttl ?? body.period, role.tokenTtl);
  role.tokenMaxTtl = durationOption(body.token_max_ttl, role.tokenMaxTtl);
  role.secretIdTtl = durationOption(body.secret_id_ttl, role.secretIdTtl);
  if (body.secret_id_num_uses !== undefined) role.secretIdNumUses = Number(body.secret_id_num_uses) || 0;
  if (body.token_num_uses !== undefined) role.tokenNumUses = Number(body.token_num_uses) || 0;
  if (body.bind_secret_id !== undefined) role.bindSecretId = body.bind_secret_id !== false;
  if (body.token_no_default_policy !== undefined)
    role.tokenNoDefaultPolicy = body.token_no_default_policy === true;
  if (body.role_id !== undefined) role.roleId = String(body.role_id);
  return role;
}

export function applyKubernetesRoleSettings(
  existing: KubernetesRole | undefined,
  body: Record<string, unknown>,
): KubernetesRole {
  const role: KubernetesRole = existing ?? {
    boundServiceAccountNames: [],
    boundServiceAccountNamespaces: [],
    tokenPolicies: [],
    tokenTtl: 0,
    tokenMaxTtl: 0,
    tokenNoDefaultPolicy: false,
  };
  const names = stringList(body.bound_service_account_names);
  const namespaces = stringList(body.bound_service_account_namespaces);
  if (names) role.boundServiceAccountNames = names;
  if (namespaces) role.boundServiceAccountNamespaces = namespaces;
  if (role.boundServiceAccountNames.length === 0)
    throw new Error('"bound_service_account_names" can not be empty');
  if (role.boundServiceAccountNamespaces.length === 0)
    throw new Error('"bound_service_account_namespaces" can not be empty');
  const policies = stringList(body.token_policies) ?? stringList(body.policies);
  if (policies) role.tokenPolicies = policies;
  role.tokenTtl = durationOption(body.token_ttl, role.tokenTtl);
  role.tokenMaxTtl = durationOption(body.token_max_ttl, role.tokenMaxTtl);
  if (body.token_no_default_policy !== undefined)
    role.tokenNoDefaultPolicy = body.token_no_default_policy === true;
  return role;
}
