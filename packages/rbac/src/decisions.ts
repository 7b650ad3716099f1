import { AccessDeniedError } from '@hush/core';
import { validateAccessor } from './policy.js';
import { grantsAllow, grantsCover, visibleTargets } from './rules.js';
import type { ControlState } from './state.js';
import type { Permission, PermissionGrant, Scope } from './types.js';

/** Counts a decision; while enforcement is off a denial is counted as would-deny and passes. */
export function countDecision(state: ControlState, allowed: boolean): boolean {
  if (allowed) {
    state.counters.allowed++;
    return true;
  }
  if (!state.enforced) {
    state.counters.wouldDeny++;
    return true;
  }
  state.counters.denied++;
  return false;
}

/** Whether `grants` (the accessor's), a root accessor or the default permissions allow the request. */
export function allows(
  state: ControlState,
  grants: PermissionGrant[],
  accessor: string,
  secret: string,
  permission: Permission,
  scope?: string,
): boolean {
  if (state.root.has(accessor)) return true;
  if (state.defaultPermissions.includes(permission) || state.defaultPermissions.includes('admin'))
    return true;
  return grantsAllow(grants, { accessor, name: secret, permission, scope, now: state.now().getTime() });
}

/**
 * An actor may manage a grant when it holds admin covering the grant's target in the grant's
 * scope: on a name, any admin grant matching that name; on a pattern, an admin grant on that same
 * pattern or on everything (`*` / `**`), so that admin over `api-key-?` cannot widen itself to `api-key-*`.
 */
export async function requireAdmin(
  state: ControlState,
  actor: string,
  targets: Array<{ secret: string; scope: Scope }>,
  action: string,
): Promise<void> {
  validateAccessor(actor, 'actor');
  if (state.root.has(actor) || state.defaultPermissions.includes('admin')) return;
  const now = state.now().getTime();
  const grants = await state.store.list({ accessor: actor });
  for (const target of targets) {
    if (grantsCover(grants, ['admin'], target, now)) continue;
    // Enforcement off: every check passes, as the README says; the would-be denial is counted.
    if (!state.enforced) {
      state.counters.wouldDeny++;
      continue;
    }
    state.counters.denied++;
    throw new AccessDeniedError(
      `access denied: '${actor}' may not ${action} on '${target.secret}' in scope '${target.scope}' (admin required)`,
      { accessor: actor, operation: action },
    );
  }
}

/** Which targets (a name, a pattern, or none: an entry about no one secret) `viewer` may see. */
export async function visibility(
  state: ControlState,
  viewer: string,
): Promise<(target: string | undefined) => boolean> {
  if (!state.enforced || state.root.has(viewer)) return () => true;
  return visibleTargets(
    await state.store.list({ accessor: viewer }),
    viewer,
    state.defaultPermissions,
    state.now().getTime(),
  );
}
