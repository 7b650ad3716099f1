import { formatGoDuration, parseDurationSeconds } from './auth.js';
import { revokeLeasesOf } from './lease-routes.js';
import {
  type Allowed,
  envelope,
  errors,
  isObject,
  NO_CONTENT,
  noHandler,
  POLICY_DENIED,
  type RouteContext,
  stringList,
  type VaultRequest,
  type VaultResponse,
} from './responses.js';
import type { Token } from './state.js';

export function authBlock(
  ctx: RouteContext,
  token: Token,
  extraMetadata?: Record<string, string>,
): Record<string, unknown> {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    metadata: extraMetadata ?? token.meta,
    lease_duration: remainingTtl(ctx, token),
    renewable: token.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: token.orphan,
    mfa_requirement: null,
    num_uses: token.numUses,
  };
}

export function remainingTtl(ctx: RouteContext, token: Token): number {
  if (token.expireTime === null) return 0;
  return Math.max(0, Math.round((token.expireTime - ctx.state.now()) / 1000));
}

export function lookupData(ctx: RouteContext, token: Token): Record<string, unknown> {
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
    ttl: remainingTtl(ctx, token),
    type: 'service',
  };
}

export function tokenRoute(
  ctx: RouteContext,
  request: VaultRequest,
  token: Token,
  allowed: Allowed,
): VaultResponse {
  const name = request.path.slice('auth/token/'.length);
  switch (name) {
    case 'lookup-self':
      if (!allowed('read') && !allowed('update')) return POLICY_DENIED;
      return envelope(lookupData(ctx, token), { mountType: 'token' });
    case 'renew-self':
      if (request.operation !== 'write') return errors(405, 'unsupported operation');
      if (!allowed('update')) return POLICY_DENIED;
      return renew(ctx, token, request.body.increment);
    case 'revoke-self':
      if (request.operation !== 'write') return errors(405, 'unsupported operation');
      if (!allowed('update')) return POLICY_DENIED;
      delete ctx.state.data.tokens[token.id];
      revokeLeasesOf(ctx, token.accessor);
      ctx.state.dirty = true;
      return NO_CONTENT;
    case 'lookup': {
      if (!allowed('update') && !allowed('read')) return POLICY_DENIED;
      const other = ctx.state.token(String(request.body.token ?? request.query.get('token') ?? ''));
      if (!other) return errors(403, 'bad token');
      return envelope(lookupData(ctx, other), { mountType: 'token' });
    }
    case 'create':
    case 'create-orphan':
      if (request.operation !== 'write') return errors(405, 'unsupported operation');
      if (!allowed('create') && !allowed('update')) return POLICY_DENIED;
      return createToken(ctx, request, token, name === 'create-orphan');
    default:
      return noHandler(request.path);
  }
}

export function renew(ctx: RouteContext, token: Token, incrementRaw: unknown): VaultResponse {
  if (!token.renewable) return errors(400, 'lease is not renewable');
  let increment: number;
  try {
    increment = parseDurationSeconds(incrementRaw) || token.creationTtl;
  } catch (error) {
    return errors(400, (error as Error).message);
  }
  const now = ctx.state.now();
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
  ctx.state.dirty = true;
  return envelope(null, { auth: authBlock(ctx, token), warnings: warnings.length ? warnings : null });
}

export function createToken(
  ctx: RouteContext,
  request: VaultRequest,
  parent: Token,
  orphanRequested: boolean,
): VaultResponse {
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
    ttl = parseDurationSeconds(body.ttl) ?? (policies.includes('root') ? 0 : ctx.settings.defaultTokenTtl);
    explicitMax = parseDurationSeconds(body.explicit_max_ttl) ?? 0;
  } catch (error) {
    return errors(400, (error as Error).message);
  }
  if (body.id !== undefined && ctx.state.data.tokens[String(body.id)])
    return errors(400, 'cannot create a token with a duplicate ID');
  const maxTtl = explicitMax > 0 ? explicitMax : ttl > 0 ? ctx.settings.maxTokenTtl : 0;
  const token = ctx.state.issueToken({
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
  return envelope(null, { auth: authBlock(ctx, token) });
}

// ---- AppRole -----------------------------------------------------------------------------
