import { aclFor } from './auth.js';
import { approleLogin, approleRoute, kubernetesLogin, kubernetesRoute } from './auth-routes.js';
import { databaseRoute, splitDatabasePath } from './database-routes.js';
import { kvRoute, splitKvPath } from './kv-routes.js';
import { LEASE_PATH } from './lease-routes.js';
import {
  type Allowed,
  noHandler,
  type RouteContext,
  type RouterSettings,
  TOKEN_DENIED,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';
import type { Token, VaultState } from './state.js';
import { health, initStatus, sealStatus, sysRoute } from './sys-routes.js';
import { tokenRoute } from './token-routes.js';

export function classify(
  path: string,
  operation: VaultRequest['operation'],
  settings: RouterSettings,
  databaseMounts: string[] = [],
): string {
  if (path === 'sys/health') return 'sys.health';
  if (path === 'sys/seal-status') return 'sys.seal-status';
  if (path.startsWith('auth/token/')) return `auth.token.${path.slice('auth/token/'.length).split('/')[0]}`;
  if (path === `auth/${settings.approleMount}/login`) return 'auth.approle.login';
  if (path === `auth/${settings.kubernetesMount}/login`) return 'auth.kubernetes.login';
  if (path.startsWith(`auth/${settings.approleMount}/`)) return 'auth.approle.role';
  if (path.startsWith(`auth/${settings.kubernetesMount}/`)) return 'auth.kubernetes.role';
  if (path.startsWith('sys/polic')) return 'sys.policy';
  const lease = LEASE_PATH.exec(path);
  if (lease) return `sys.leases.${lease[2]}`;
  const database = splitDatabasePath(path, databaseMounts);
  if (database) return `database.${database.kind}`;
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

export class VaultRouter {
  readonly #ctx: RouteContext;

  constructor(state: VaultState, settings: RouterSettings) {
    this.#ctx = { state, settings };
  }

  /** Paths served without a token. */
  isUnauthenticated(path: string): boolean {
    return (
      path === 'sys/health' ||
      path === 'sys/seal-status' ||
      path === 'sys/init' ||
      this.#authMount(path)?.rest === 'login'
    );
  }

  /** The AppRole or Kubernetes auth method a path is under: the configured mounts and those enabled. */
  #authMount(path: string): { type: string; mount: string; rest: string } | undefined {
    const { settings, state } = this.#ctx;
    const mounts: Array<[string, string]> = [
      [settings.approleMount, 'approle'],
      [settings.kubernetesMount, 'kubernetes'],
      ...Object.entries(state.data.authMounts),
    ];
    for (const [mount, type] of mounts)
      if (path.startsWith(`auth/${mount}/`))
        return { type, mount, rest: path.slice(`auth/${mount}/`.length) };
    return undefined;
  }

  handle(request: VaultRequest): VaultResponse {
    const ctx = this.#ctx;
    const { path } = request;
    if (path === 'sys/health') return health(ctx, request);
    if (path === 'sys/seal-status') return sealStatus();
    if (path === 'sys/init') return initStatus(request);
    const auth = this.#authMount(path);
    if (auth?.rest === 'login')
      return auth.type === 'approle'
        ? approleLogin(ctx, request, auth.mount)
        : kubernetesLogin(ctx, request, auth.mount);

    const token = this.#spend(request.token);
    if (!token) return TOKEN_DENIED;
    const allowed: Allowed = (capability, aclPath = path) =>
      aclFor(token, ctx.state.data.policies).allows(aclPath, capability);

    if (path.startsWith('auth/token/')) return tokenRoute(ctx, request, token, allowed);
    if (auth?.rest.startsWith('role'))
      return auth.type === 'approle'
        ? approleRoute(ctx, request, allowed, auth.mount)
        : kubernetesRoute(ctx, request, allowed, auth.mount);
    if (path.startsWith('sys/')) return sysRoute(ctx, request, allowed);

    const database = splitDatabasePath(path, Object.keys(ctx.state.data.databases));
    if (database) return databaseRoute(ctx, request, database, token, allowed);

    const kv = splitKvPath(
      path.endsWith('/') && request.operation !== 'list' ? path.slice(0, -1) : path,
      ctx.settings.kvMounts,
    );
    if (kv) return kvRoute(ctx, request, kv, allowed);
    return noHandler(path);
  }

  /** The request's token, one use spent: a token created with num_uses serves that many requests. */
  #spend(id: string | undefined): Token | undefined {
    const { state } = this.#ctx;
    const token = state.token(id);
    if (token && token.numUses > 0) {
      token.numUses -= 1;
      if (token.numUses === 0) delete state.data.tokens[token.id];
      state.dirty = true;
    }
    return token;
  }
}
