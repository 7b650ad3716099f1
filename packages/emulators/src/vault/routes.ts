import { aclFor, type Capability, formatGoDuration, parseDurationSeconds, parsePolicy } from './auth.js';
import {
  type AppRole,
  DEFAULT_MAX_VERSIONS,
  type KubernetesRole,
  type KvEntry,
  type KvMount,
  newUuid,
  type Token,
  type VaultState,
} from './state.js';

/** A request as the router sees it: path relative to `/v1/` and to the namespace. */
export interface VaultRequest {
  /** GET, POST, PUT, PATCH, DELETE, or LIST (a GET with `?list=true`). */
  operation: 'read' | 'write' | 'patch' | 'delete' | 'list';
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  token: string | undefined;
  namespace: string;
  contentType: string;
}

export interface VaultResponse {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

export interface RouterSettings {
  kvMounts: string[];
  approleMount: string;
  kubernetesMount: string;
  /** Seconds. */
  defaultTokenTtl: number;
  maxTokenTtl: number;
}

/** Vault's answer for a missing, unknown or expired token. */
export const TOKEN_DENIED: VaultResponse = { status: 403, body: { errors: ['permission denied'] } };
/** Vault's answer when a valid token's policies do not grant the capability. */
export const POLICY_DENIED: VaultResponse = {
  status: 403,
  body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
};
const NOT_FOUND: VaultResponse = { status: 404, body: { errors: [] } };
const NO_CONTENT: VaultResponse = { status: 204 };

function errors(status: number, ...messages: string[]): VaultResponse {
  return { status, body: { errors: messages } };
}

interface EnvelopeExtras {
  auth?: Record<string, unknown> | null;
  warnings?: string[] | null;
  mountType?: string;
}

/** The response envelope every Vault answer with a body shares. */
export function envelope(data: unknown, extras: EnvelopeExtras = {}, status = 200): VaultResponse {
  return {
    status,
    body: {
      request_id: newUuid(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: extras.warnings ?? null,
      auth: extras.auth ?? null,
      mount_type: extras.mountType ?? '',
    },
  };
}

/** Which counter a request increments: a short name per kind of path. */
export function classify(
  path: string,
  operation: VaultRequest['operation'],
  settings: RouterSettings,
): string {
  if (path === 'sys/health') return 'sys.health';
  if (path === 'sys/seal-status') return 'sys.seal-status';
  if (path.startsWith('auth/token/')) return `auth.token.${path.slice('auth/token/'.length).split('/')[0]}`;
  if (path === `auth/${settings.approleMount}/login`) return 'auth.approle.login';
  if (path === `auth/${settings.kubernetesMount}/login`) return 'auth.kubernetes.login';
  if (path.startsWith(`auth/${settings.approleMount}/`)) return 'auth.approle.role';
  if (path.startsWith(`auth/${settings.kubernetesMount}/`)) return 'auth.kubernetes.role';
  if (path.startsWith('sys/polic')) return 'sys.policy';
  const kv = splitKvPath(path, settings.kvMounts);
  if (kv) {
    if (kv.kind === 'metadata' && operation === 'list') return 'kv.list';
    if (kv.kind === 'data') {
      const verb = { read: 'read', write: 'write', patch: 'patch', delete: 'delete', list: 'list' }[
        operation
      ];
      return `kv.data.${verb}`;
    }
    if (kv.kind === 'metadata')
      return `kv.metadata.${operation === 'write' || operation === 'patch' ? 'write' : operation}`;
    return `kv.${kv.kind}`;
  }
  return 'other';
}

type KvKind = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'config' | 'subkeys';

function splitKvPath(
  path: string,
  mounts: string[],
): { mount: string; kind: KvKind; key: string } | undefined {
  for (const mount of mounts) {
    if (!path.startsWith(`${mount}/`)) continue;
    const rest = path.slice(mount.length + 1);
    if (rest === 'config') return { mount, kind: 'config', key: '' };
    const slash = rest.indexOf('/');
    const kind = (slash < 0 ? rest : rest.slice(0, slash)) as KvKind;
    if (!['data', 'metadata', 'delete', 'undelete', 'destroy', 'subkeys'].includes(kind)) return undefined;
    return { mount, kind, key: slash < 0 ? '' : rest.slice(slash + 1) };
  }
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).filter((s) => s.length > 0);
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7396 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export class VaultRouter {
  constructor(
    private readonly state: VaultState,
    private readonly settings: RouterSettings,
  ) {}

  /** Paths served without a token. */
  isUnauthenticated(path: string): boolean {
    return (
      path === 'sys/health' ||
      path === 'sys/seal-status' ||
      path === `auth/${this.settings.approleMount}/login` ||
      path === `auth/${this.settings.kubernetesMount}/login`
    );
  }

  handle(request: VaultRequest): VaultResponse {
    const { path } = request;
    if (path === 'sys/health') return this.#health(request);
    if (path === 'sys/seal-status') return this.#sealStatus();
    if (path === `auth/${this.settings.approleMount}/login`) return this.#approleLogin(request);
    if (path === `auth/${this.settings.kubernetesMount}/login`) return this.#kubernetesLogin(request);

    const token = this.state.token(request.token);
    if (!token) return TOKEN_DENIED;
    // A token created with num_uses serves that many requests, then is revoked.
    if (token.numUses > 0) {
      token.numUses -= 1;
      if (token.numUses === 0) delete this.state.data.tokens[token.id];
      this.state.dirty = true;
    }
    const allowed = (capability: Capability, aclPath = path) =>
      aclFor(token, this.state.data.policies).allows(aclPath, capability);

    if (path.startsWith('auth/token/')) return this.#tokenRoute(request, token, allowed);
    if (path.startsWith(`auth/${this.settings.approleMount}/role`))
      return this.#approleRoute(request, allowed);
    if (path.startsWith(`auth/${this.settings.kubernetesMount}/role`))
      return this.#kubernetesRoute(request, allowed);
    if (path.startsWith('sys/policies/acl') || path.startsWith('sys/policy'))
      return this.#policyRoute(request, allowed);
    if (path.startsWith('sys/internal/ui/mounts/')) return this.#uiMount(request);

    const kv = splitKvPath(
      path.endsWith('/') && request.operation !== 'list' ? path.slice(0, -1) : path,
      this.settings.kvMounts,
    );
    if (kv) return this.#kvRoute(request, kv, allowed);
    return errors(404, `no handler for route "${path}". route entry not found.`);
  }

  // ---- sys ---------------------------------------------------------------------------------

  #health(request: VaultRequest): VaultResponse {
    const body = {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(this.state.now() / 1000),
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

  #sealStatus(): VaultResponse {
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

  #uiMount(request: VaultRequest): VaultResponse {
    const target = request.path.slice('sys/internal/ui/mounts/'.length);
    const mount = this.settings.kvMounts.find((m) => target === m || target.startsWith(`${m}/`));
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

  // ---- tokens ------------------------------------------------------------------------------

  #authBlock(token: Token, extraMetadata?: Record<string, string>): Record<string, unknown> {
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: token.policies,
      token_policies: token.policies,
      metadata: extraMetadata ?? token.meta,
      lease_duration: this.#remainingTtl(token),
      renewable: token.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: token.orphan,
      mfa_requirement: null,
      num_uses: token.numUses,
    };
  }

  #remainingTtl(token: Token): number {
    if (token.expireTime === null) return 0;
    return Math.max(0, Math.round((token.expireTime - this.state.now()) / 1000));
  }

  #lookupData(token: Token): Record<string, unknown> {
    return {
      accessor: token.accessor,
      creation_time: Math.floor(token.issueTime / 1000),
      creation_ttl: token.creationTtl,
      display_name: token.displayName,
      entity_id: '',
      expire_time: token.expireTime === null ? null : new Date(token.expireTime).toISOString(),
      explicit_max_ttl: token.explicitMaxTtl,
      id: token.id,
      issue_time: new Date(token.issueTime).toISOString(),
      meta: token.meta,
      num_uses: token.numUses,
      orphan: token.orphan,
      path: token.path,
      policies: token.policies,
      renewable: token.renewable,
      ttl: this.#remainingTtl(token),
      type: 'service',
    };
  }

  #tokenRoute(request: VaultRequest, token: Token, allowed: (c: Capability) => boolean): VaultResponse {
    const name = request.path.slice('auth/token/'.length);
    switch (name) {
      case 'lookup-self':
        if (!allowed('read') && !allowed('update')) return POLICY_DENIED;
        return envelope(this.#lookupData(token), { mountType: 'token' });
      case 'renew-self':
        if (request.operation !== 'write') return errors(405, 'unsupported operation');
        if (!allowed('update')) return POLICY_DENIED;
        return this.#renew(token, request.body.increment);
      case 'revoke-self':
        if (request.operation !== 'write') return errors(405, 'unsupported operation');
        if (!allowed('update')) return POLICY_DENIED;
        delete this.state.data.tokens[token.id];
        this.state.dirty = true;
        return NO_CONTENT;
      case 'lookup': {
        if (!allowed('update') && !allowed('read')) return POLICY_DENIED;
        const other = this.state.token(String(request.body.token ?? request.query.get('token') ?? ''));
        if (!other) return errors(403, 'bad token');
        return envelope(this.#lookupData(other), { mountType: 'token' });
      }
      case 'create':
      case 'create-orphan':
        if (request.operation !== 'write') return errors(405, 'unsupported operation');
        if (!allowed('create') && !allowed('update')) return POLICY_DENIED;
        return this.#createToken(request, token, name === 'create-orphan');
      default:
        return errors(404, `no handler for route "${request.path}". route entry not found.`);
    }
  }

  #renew(token: Token, incrementRaw: unknown): VaultResponse {
    if (!token.renewable) return errors(400, 'lease is not renewable');
    let increment: number;
    try {
      increment = parseDurationSeconds(incrementRaw) || token.creationTtl;
    } catch (error) {
      return errors(400, (error as Error).message);
    }
    const now = this.state.now();
    let expireTime = now + increment * 1000;
    const warnings: string[] = [];
    if (token.maxExpireTime !== null && expireTime > token.maxExpireTime) {
      expireTime = token.maxExpireTime;
      warnings.push(
        `TTL of "${formatGoDuration(increment)}" exceeded the effective max_ttl of "${formatGoDuration(
          Math.max(0, Math.round((expireTime - now) / 1000)),
        )}"; TTL value is capped accordingly`,
      );
    }
    token.expireTime = expireTime;
    this.state.dirty = true;
    return envelope(null, { auth: this.#authBlock(token), warnings: warnings.length ? warnings : null });
  }

  #createToken(request: VaultRequest, parent: Token, orphanRequested: boolean): VaultResponse {
    const body = request.body;
    const parentIsRoot = parent.policies.includes('root');
    let policies = stringList(body.policies) ?? parent.policies.filter((p) => p !== 'default');
    if (!parentIsRoot) {
      const extra = policies.filter((p) => p !== 'default' && !parent.policies.includes(p));
      if (extra.length > 0) return errors(400, 'child policies must be subset of parent');
    }
    if (!policies.includes('root') && body.no_default_policy !== true) policies = [...policies, 'default'];
    let ttl: number;
    let explicitMax: number;
    try {
      ttl = parseDurationSeconds(body.ttl) ?? (policies.includes('root') ? 0 : this.settings.defaultTokenTtl);
      explicitMax = parseDurationSeconds(body.explicit_max_ttl) ?? 0;
    } catch (error) {
      return errors(400, (error as Error).message);
    }
    if (body.id !== undefined && this.state.data.tokens[String(body.id)])
      return errors(400, 'cannot create a token with a duplicate ID');
    const maxTtl = explicitMax > 0 ? explicitMax : ttl > 0 ? this.settings.maxTokenTtl : 0;
    const token = this.state.issueToken({
      id: body.id === undefined ? undefined : String(body.id),
      policies,
      ttl: explicitMax > 0 && ttl > explicitMax ? explicitMax : ttl,
      maxTtl,
      renewable: body.renewable !== false,
      displayName: `token${body.display_name ? `-${String(body.display_name)}` : ''}`,
      path: 'auth/token/create',
      meta: isObject(body.meta)
        ? (Object.fromEntries(Object.entries(body.meta).map(([k, v]) => [k, String(v)])) as Record<
            string,
            string
          >)
        : null,
      numUses: Number(body.num_uses ?? 0) || 0,
      orphan: orphanRequested || body.no_parent === true,
    });
    token.explicitMaxTtl = explicitMax;
    return envelope(null, { auth: this.#authBlock(token) });
  }

  // ---- AppRole -----------------------------------------------------------------------------

  #approleLogin(request: VaultRequest): VaultResponse {
    const roleId = String(request.body.role_id ?? '');
    const secretId = request.body.secret_id === undefined ? '' : String(request.body.secret_id);
    if (!roleId) return errors(400, 'missing role_id');
    const entry = Object.entries(this.state.data.approle).find(([, role]) => role.roleId === roleId);
    if (!entry) return errors(400, 'invalid role or secret ID');
    const [roleName, role] = entry;
    if (role.bindSecretId) {
      if (!secretId) return errors(400, 'missing secret_id');
      const secret = role.secretIds[secretId];
      const now = this.state.now();
      if (!secret || (secret.ttl > 0 && secret.createdAt + secret.ttl * 1000 <= now)) {
        return errors(400, 'invalid role or secret ID');
      }
      if (secret.numUses > 0) {
        secret.usesLeft -= 1;
        if (secret.usesLeft <= 0) delete role.secretIds[secretId];
      }
    }
    const metadata = { role_name: roleName };
    const token = this.state.issueToken({
      policies: role.tokenNoDefaultPolicy ? role.tokenPolicies : [...role.tokenPolicies, 'default'],
      ttl: role.tokenTtl || this.settings.defaultTokenTtl,
      maxTtl: role.tokenMaxTtl || this.settings.maxTokenTtl,
      renewable: true,
      displayName: 'approle',
      path: `auth/${this.settings.approleMount}/login`,
      meta: metadata,
      numUses: role.tokenNumUses,
    });
    return envelope(null, { auth: this.#authBlock(token, metadata) });
  }

  #approleRoute(request: VaultRequest, allowed: (c: Capability) => boolean): VaultResponse {
    const base = `auth/${this.settings.approleMount}/role`;
    const rest = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
    const roles = this.state.data.approle;
    if (rest === '') return this.#listRoles(roles, request, allowed);
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
          return this.#changeRole(roles, name, request, allowed, applyAppRoleSettings);
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
      this.state.dirty = true;
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
      role.secretIds[secretId] = { accessor, createdAt: this.state.now(), ttl, numUses, usesLeft: numUses };
      this.state.dirty = true;
      return envelope({
        secret_id: secretId,
        secret_id_accessor: accessor,
        secret_id_ttl: ttl,
        secret_id_num_uses: numUses,
      });
    }
    return errors(404, `no handler for route "${request.path}". route entry not found.`);
  }

  // ---- Kubernetes --------------------------------------------------------------------------

  #kubernetesLogin(request: VaultRequest): VaultResponse {
    const roleName = String(request.body.role ?? '');
    const jwt = String(request.body.jwt ?? '');
    if (!roleName) return errors(400, 'missing role');
    if (!jwt) return errors(400, 'missing jwt');
    const role = this.state.data.kubernetes.roles[roleName];
    if (!role) return errors(400, `invalid role name "${roleName}"`);
    // Vault asks the cluster's TokenReview API; here the accepted service-account JWTs are configured.
    const account = this.state.data.kubernetes.serviceAccounts[jwt];
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
    const token = this.state.issueToken({
      policies: role.tokenNoDefaultPolicy ? role.tokenPolicies : [...role.tokenPolicies, 'default'],
      ttl: role.tokenTtl || this.settings.defaultTokenTtl,
      maxTtl: role.tokenMaxTtl || this.settings.maxTokenTtl,
      renewable: true,
      displayName: `${this.settings.kubernetesMount}-${account.namespace}-${account.name}`,
      path: `auth/${this.settings.kubernetesMount}/login`,
      meta: metadata,
    });
    return envelope(null, { auth: this.#authBlock(token, metadata) });
  }

  #kubernetesRoute(request: VaultRequest, allowed: (c: Capability) => boolean): VaultResponse {
    const base = `auth/${this.settings.kubernetesMount}/role`;
    const name = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
    const roles = this.state.data.kubernetes.roles;
    if (name === '') return this.#listRoles(roles, request, allowed);
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
        return this.#changeRole(roles, name, request, allowed, applyKubernetesRoleSettings);
    }
  }

  /** LIST of a role collection (AppRole and Kubernetes roles answer alike). */
  #listRoles(
    roles: Record<string, unknown>,
    request: VaultRequest,
    allowed: (c: Capability) => boolean,
  ): VaultResponse {
    if (request.operation !== 'list') return errors(405, 'unsupported operation');
    if (!allowed('list')) return POLICY_DENIED;
    const keys = Object.keys(roles).sort();
    return keys.length ? envelope({ keys }) : NOT_FOUND;
  }

  /** Write or delete of one role in a collection; other operations are refused. */
  #changeRole<R>(
    roles: Record<string, R>,
    name: string,
    request: VaultRequest,
    allowed: (c: Capability) => boolean,
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
    this.state.dirty = true;
    return NO_CONTENT;
  }

  // ---- policies ----------------------------------------------------------------------------

  #policyRoute(request: VaultRequest, allowed: (c: Capability) => boolean): VaultResponse {
    const legacy = request.path.startsWith('sys/policy');
    const base = legacy ? 'sys/policy' : 'sys/policies/acl';
    const name = request.path.slice(base.length).replace(/^\//, '').replace(/\/$/, '');
    const policies = this.state.data.policies;
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
        this.state.dirty = true;
        return NO_CONTENT;
      }
      case 'delete':
        if (name === 'root' || name === 'default') return errors(400, `cannot delete "${name}" policy`);
        if (!allowed('delete')) return POLICY_DENIED;
        delete policies[name];
        this.state.dirty = true;
        return NO_CONTENT;
      default:
        return errors(405, 'unsupported operation');
    }
  }

  // ---- KV version 2 ------------------------------------------------------------------------

  #kvRoute(
    request: VaultRequest,
    target: { mount: string; kind: KvKind; key: string },
    allowed: (c: Capability, path?: string) => boolean,
  ): VaultResponse {
    const mount = this.state.mount(request.namespace, target.mount);
    const { key } = target;
    const kvEnvelope = (data: unknown, status = 200, warnings?: string[]) =>
      envelope(data, { mountType: 'kv', warnings: warnings ?? null }, status);

    if (target.kind === 'config') {
      if (request.operation === 'read') {
        if (!allowed('read')) return POLICY_DENIED;
        return kvEnvelope({
          max_versions: mount.config.maxVersions,
          cas_required: mount.config.casRequired,
          delete_version_after: mount.config.deleteVersionAfter,
        });
      }
      if (request.operation !== 'write') return errors(405, 'unsupported operation');
      if (!allowed('update')) return POLICY_DENIED;
      if (request.body.max_versions !== undefined)
        mount.config.maxVersions = Number(request.body.max_versions) || 0;
      if (request.body.cas_required !== undefined)
        mount.config.casRequired = request.body.cas_required === true;
      if (request.body.delete_version_after !== undefined) {
        try {
          mount.config.deleteVersionAfter = formatGoDuration(
            parseDurationSeconds(request.body.delete_version_after) ?? 0,
          );
        } catch (error) {
          return errors(400, (error as Error).message);
        }
      }
      this.state.dirty = true;
      return NO_CONTENT;
    }

    if (target.kind === 'metadata' && request.operation === 'list') {
      if (!allowed('list')) return POLICY_DENIED;
      const folder = key === '' || key.endsWith('/') ? key : `${key}/`;
      const children = new Set<string>();
      for (const name of Object.keys(mount.entries)) {
        if (!name.startsWith(folder)) continue;
        const rest = name.slice(folder.length);
        const slash = rest.indexOf('/');
        children.add(slash < 0 ? rest : rest.slice(0, slash + 1));
      }
      const keys = [...children].sort();
      return keys.length ? kvEnvelope({ keys }) : NOT_FOUND;
    }
    if (request.operation === 'list') return errors(405, 'unsupported operation');
    if (!key) return errors(404, `no handler for route "${request.path}". route entry not found.`);

    const entry = mount.entries[key];
    switch (target.kind) {
      case 'data':
        return this.#kvData(request, mount, key, entry, allowed, kvEnvelope);
      case 'metadata':
        return this.#kvMetadata(request, mount, key, entry, allowed, kvEnvelope);
      case 'subkeys':
        return errors(405, 'unsupported operation');
      default: {
        // delete/, undelete/, destroy/: POST with {"versions": [...]}.
        if (request.operation !== 'write') return errors(405, 'unsupported operation');
        if (!allowed('update')) return POLICY_DENIED;
        const versions = Array.isArray(request.body.versions) ? request.body.versions.map(Number) : [];
        if (versions.length === 0) return errors(400, 'no version number provided');
        if (!entry) return NO_CONTENT;
        const now = this.state.nowIso();
        for (const number of versions) {
          const version = entry.versions[String(number)];
          if (!version) continue;
          if (target.kind === 'delete' && !version.destroyed && !this.#deleted(version))
            version.deletionTime = now;
          if (target.kind === 'undelete' && !version.destroyed) version.deletionTime = '';
          if (target.kind === 'destroy') {
            version.destroyed = true;
            version.data = null;
          }
        }
        this.state.dirty = true;
        return NO_CONTENT;
      }
    }
  }

  #kvData(
    request: VaultRequest,
    mount: KvMount,
    key: string,
    entry: KvEntry | undefined,
    allowed: (c: Capability) => boolean,
    kvEnvelope: (data: unknown, status?: number, warnings?: string[]) => VaultResponse,
  ): VaultResponse {
    switch (request.operation) {
      case 'read': {
        if (!allowed('read')) return POLICY_DENIED;
        if (!entry) return NOT_FOUND;
        const asked = Number(request.query.get('version') ?? 0);
        const number = asked > 0 ? asked : entry.currentVersion;
        const version = entry.versions[String(number)];
        if (!version) return NOT_FOUND;
        const metadata = {
          created_time: version.createdTime,
          custom_metadata: entry.customMetadata,
          deletion_time: version.deletionTime,
          destroyed: version.destroyed,
          version: number,
        };
        // A deleted or destroyed version answers 404 but still carries its metadata, as Vault does.
        if (version.destroyed || this.#deleted(version)) return kvEnvelope({ data: null, metadata }, 404);
        return kvEnvelope({ data: structuredClone(version.data), metadata });
      }
      case 'write': {
        if (!allowed(entry ? 'update' : 'create')) return POLICY_DENIED;
        if (!('data' in request.body)) return errors(400, 'no data provided');
        if (!isObject(request.body.data)) return errors(400, 'no data provided');
        const cas = this.#checkAndSet(request, mount, entry);
        if (cas) return cas;
        const target = entry ?? this.#newEntry(mount, key);
        const number = this.#addVersion(mount, target, request.body.data);
        return kvEnvelope(this.#versionSummary(target, number));
      }
      case 'patch': {
        if (!allowed('patch')) return POLICY_DENIED;
        if (!request.contentType.startsWith('application/merge-patch+json')) {
          return errors(
            415,
            `PATCH requires Content-Type of application/merge-patch+json, provided ${request.contentType || 'none'}`,
          );
        }
        if (!isObject(request.body.data)) return errors(400, 'no data provided');
        if (!entry) return NOT_FOUND;
        const cas = this.#checkAndSet(request, mount, entry);
        if (cas) return cas;
        const current = entry.versions[String(entry.currentVersion)];
        if (!current) return NOT_FOUND;
        if (current.destroyed || this.#deleted(current)) {
          return kvEnvelope(this.#versionSummary(entry, entry.currentVersion), 404);
        }
        const patched = mergePatch(current.data, request.body.data) as Record<string, unknown>;
        const number = this.#addVersion(mount, entry, patched);
        return kvEnvelope(this.#versionSummary(entry, number));
      }
      case 'delete': {
        if (!allowed('delete')) return POLICY_DENIED;
        const current = entry?.versions[String(entry.currentVersion)];
        if (current && !current.destroyed && !this.#deleted(current)) {
          current.deletionTime = this.state.nowIso();
          this.state.dirty = true;
        }
        return NO_CONTENT;
      }
      default:
        return errors(405, 'unsupported operation');
    }
  }

  /** Soft-deleted: a deletion time that has come (a future one is a scheduled delete_version_after). */
  #deleted(version: { deletionTime: string }): boolean {
    return version.deletionTime !== '' && Date.parse(version.deletionTime) <= this.state.now();
  }

  #checkAndSet(request: VaultRequest, mount: KvMount, entry: KvEntry | undefined): VaultResponse | undefined {
    const options = isObject(request.body.options) ? request.body.options : {};
    if ('cas' in options) {
      const cas = Number(options.cas);
      if (!Number.isInteger(cas)) return errors(400, 'error parsing check-and-set parameter');
      if (cas !== (entry?.currentVersion ?? 0))
        return errors(400, 'check-and-set parameter did not match the current version');
      return undefined;
    }
    if (mount.config.casRequired || entry?.casRequired)
      return errors(400, 'check-and-set parameter required for this call');
    return undefined;
  }

  #newEntry(mount: KvMount, key: string): KvEntry {
    const now = this.state.nowIso();
    const entry: KvEntry = {
      versions: {},
      currentVersion: 0,
      oldestVersion: 0,
      createdTime: now,
      updatedTime: now,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: '0s',
      customMetadata: null,
    };
    mount.entries[key] = entry;
    this.state.dirty = true;
    return entry;
  }

  #addVersion(mount: KvMount, entry: KvEntry, data: Record<string, unknown>): number {
    const now = this.state.nowIso();
    const number = entry.currentVersion + 1;
    // delete_version_after (the key's, else the mount's) schedules the version's soft delete.
    const after =
      parseDurationSeconds(
        entry.deleteVersionAfter !== '0s' ? entry.deleteVersionAfter : mount.config.deleteVersionAfter,
      ) ?? 0;
    const deletionTime = after > 0 ? new Date(this.state.now() + after * 1000).toISOString() : '';
    entry.versions[String(number)] = {
      data: structuredClone(data),
      createdTime: now,
      deletionTime,
      destroyed: false,
    };
    entry.currentVersion = number;
    entry.updatedTime = now;
    if (entry.oldestVersion === 0) entry.oldestVersion = number;
    const max = entry.maxVersions || mount.config.maxVersions || DEFAULT_MAX_VERSIONS;
    // Once a key holds more than max_versions, the oldest ones are removed for good.
    const cutoff = number - max;
    if (cutoff > 0) {
      for (const existing of Object.keys(entry.versions))
        if (Number(existing) <= cutoff) delete entry.versions[existing];
      entry.oldestVersion = Math.max(entry.oldestVersion, cutoff + 1);
    }
    this.state.dirty = true;
    return number;
  }

  #versionSummary(entry: KvEntry, number: number): Record<string, unknown> {
    const version = entry.versions[String(number)]!;
    return {
      created_time: version.createdTime,
      custom_metadata: entry.customMetadata,
      deletion_time: version.deletionTime,
      destroyed: version.destroyed,
      version: number,
    };
  }

  #kvMetadata(
    request: VaultRequest,
    mount: KvMount,
    key: string,
    entry: KvEntry | undefined,
    allowed: (c: Capability) => boolean,
    kvEnvelope: (data: unknown, status?: number, warnings?: string[]) => VaultResponse,
  ): VaultResponse {
    switch (request.operation) {
      case 'read': {
        if (!allowed('read')) return POLICY_DENIED;
        if (!entry) return NOT_FOUND;
        const versions = Object.fromEntries(
          Object.entries(entry.versions).map(([n, v]) => [
            n,
            { created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed },
          ]),
        );
        return kvEnvelope({
          cas_required: entry.casRequired,
          created_time: entry.createdTime,
          current_version: entry.currentVersion,
          custom_metadata: entry.customMetadata,
          delete_version_after: entry.deleteVersionAfter,
          max_versions: entry.maxVersions,
          oldest_version: entry.oldestVersion,
          updated_time: entry.updatedTime,
          versions,
        });
      }
      case 'write':
      case 'patch': {
        const patch = request.operation === 'patch';
        if (!allowed(patch ? 'patch' : entry ? 'update' : 'create')) return POLICY_DENIED;
        if (patch && !entry) return NOT_FOUND;
        const body = request.body;
        let custom: Record<string, string> | undefined;
        if (body.custom_metadata !== undefined && body.custom_metadata !== null) {
          if (!isObject(body.custom_metadata))
            return errors(400, 'custom_metadata validation failed: expected a map');
          const merged = patch
            ? mergePatch(entry!.customMetadata ?? {}, body.custom_metadata)
            : body.custom_metadata;
          custom = Object.fromEntries(
            Object.entries(merged as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          );
          const problems = validateCustomMetadata(custom);
          if (problems.length)
            return errors(
              400,
              `${problems.length} error${problems.length > 1 ? 's' : ''} occurred:\n${problems.map((p) => `\t* ${p}`).join('\n')}\n\n`,
            );
        }
        let deleteAfter: number | undefined;
        try {
          deleteAfter = parseDurationSeconds(body.delete_version_after);
        } catch (error) {
          return errors(400, (error as Error).message);
        }
        const target = entry ?? this.#newEntry(mount, key);
        if (body.max_versions !== undefined) target.maxVersions = Number(body.max_versions) || 0;
        if (body.cas_required !== undefined) target.casRequired = body.cas_required === true;
        if (deleteAfter !== undefined) target.deleteVersionAfter = formatGoDuration(deleteAfter);
        if (custom !== undefined) target.customMetadata = custom;
        target.updatedTime = this.state.nowIso();
        this.state.dirty = true;
        return NO_CONTENT;
      }
      case 'delete':
        if (!allowed('delete')) return POLICY_DENIED;
        if (entry) {
          delete mount.entries[key];
          this.state.dirty = true;
        }
        return NO_CONTENT;
      default:
        return errors(405, 'unsupported operation');
    }
  }
}

function validateCustomMetadata(custom: Record<string, string>): string[] {
  const prefix = 'custom_metadata validation failed';
  const keys = Object.keys(custom);
  if (keys.length > 64) return [`${prefix}: payload must contain at most 64 keys, provided ${keys.length}`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(custom)) {
    if (key.length === 0 || key.length > 128)
      problems.push(`${prefix}: length of key "${key}" is ${key.length} but must be 0 < len(key) <= 128`);
    if (value.length === 0 || value.length > 512)
      problems.push(
        `${prefix}: length of value for key "${key}" is ${value.length} but must be 0 < len(value) <= 512`,
      );
  }
  return problems;
}

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
