import { aclFor } from './auth.js';
import { approleLogin, approleRoute, kubernetesLogin, kubernetesRoute } from './auth-routes.js';
import { kvRoute, splitKvPath } from './kv-routes.js';
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

export class VaultRouter {
  readonly #ctx: RouteContext;

  constructor(state: VaultState, settings: RouterSettings) {
    this.#ctx = { state, settings };
  }

  /** Paths served without a token. */
  isUnauthenticated(path: string): boolean {
    const { settings } = this.#ctx;
    return (
      path === 'sys/health' ||
      path === 'sys/seal-status' ||
      path === 'sys/init' ||
      path === `auth/${settings.approleMount}/login` ||
      path === `auth/${settings.kubernetesMount}/login`
    );
  }

  handle(request: VaultRequest): VaultResponse {
    const ctx = this.#ctx;
    const { path } = request;
    if (path === 'sys/health') return health(ctx, request);
    if (path === 'sys/seal-status') return sealStatus();
    if (path === 'sys/init') return initStatus(request);
    if (path === `auth/${ctx.settings.approleMount}/login`) return approleLogin(ctx, request);
    if (path === `auth/${ctx.settings.kubernetesMount}/login`) return kubernetesLogin(ctx, request);

    const token = this.#spend(request.token);
    if (!token) return TOKEN_DENIED;
    const allowed: Allowed = (capability, aclPath = path) =>
      aclFor(token, ctx.state.data.policies).allows(aclPath, capability);

    if (path.startsWith('auth/token/')) return tokenRoute(ctx, request, token, allowed);
    if (path.startsWith(`auth/${ctx.settings.approleMount}/role`)) return approleRoute(ctx, request, allowed);
    if (path.startsWith(`auth/${ctx.settings.kubernetesMount}/role`))
      return kubernetesRoute(ctx, request, allowed);
    if (path.startsWith('sys/')) return sysRoute(ctx, request, allowed);

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
