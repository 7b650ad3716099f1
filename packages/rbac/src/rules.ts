import { isMatchAll, isPattern, targetMatches } from './patterns.js';
import type { Permission, PermissionGrant } from './types.js';

// The rules that decide what a set of grants allows, as pure functions over one accessor's grants.

const live = (g: PermissionGrant, now: number) => !g.expiresAt || g.expiresAt.getTime() > now;

/**
 * Whether `grants` let `accessor` do `permission` on the secret `name` in `scope`: a grant of that
 * permission or `admin`, on the name or a pattern matching it, `global` or of that scope, not expired.
 */
export function grantsAllow(
  grants: PermissionGrant[],
  request: { accessor: string; name: string; permission: Permission; scope?: string; now: number },
): boolean {
  const scope = request.scope ?? 'global';
  return grants.some(
    (g) =>
      g.accessor === request.accessor &&
      (g.permission === request.permission || g.permission === 'admin') &&
      (g.scope === 'global' || g.scope === scope) &&
      live(g, request.now) &&
      targetMatches(g.secret, request.name),
  );
}

/**
 * Whether a grant of one of `permissions` covers `target` in `scope`. On a name: any grant whose
 * name or pattern matches it. On a pattern: a grant on that same pattern or on everything (`*`,
 * `**`), so that admin over `api-key-?` cannot widen itself to `api-key-*`. With no target:
 * only a grant on everything does, which is what "over every secret" means, decided on what the
 * pattern matches and never on its text (`??` matches the name `**`, not every name).
 */
export function grantsCover(
  grants: PermissionGrant[],
  permissions: readonly Permission[],
  target: { secret?: string; scope: string },
  now: number,
): boolean {
  return grants.some(
    (g) =>
      permissions.includes(g.permission) &&
      (g.scope === 'global' || g.scope === target.scope) &&
      live(g, now) &&
      (target.secret === undefined
        ? isMatchAll(g.secret)
        : isPattern(target.secret)
          ? g.secret === target.secret || isMatchAll(g.secret)
          : targetMatches(g.secret, target.secret)),
  );
}

/**
 * Which targets `viewer` may see in the audit log and the grants listing: those its `audit` or
 * `admin` grants cover, and the names it may read. A target of undefined is an entry about no
 * one secret (a listing): only a grant on everything covers it.
 */
export function visibleTargets(
  grants: PermissionGrant[],
  viewer: string,
  defaults: readonly Permission[],
  now: number,
): (target: string | undefined) => boolean {
  if (defaults.includes('admin') || defaults.includes('audit')) return () => true;
  const readsAll = defaults.includes('read');
  return (target) =>
    grantsCover(
      grants,
      ['audit', 'admin'],
      { ...(target !== undefined ? { secret: target } : {}), scope: 'global' },
      now,
    ) ||
    (target !== undefined &&
      !isPattern(target) &&
      (readsAll || grantsAllow(grants, { accessor: viewer, name: target, permission: 'read', now })));
}
