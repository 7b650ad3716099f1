import { parseExpiry, ValidationError } from '@hush/core';
import { type PlannedChange, plannedGrant, plannedRevoke } from './changes.js';
import { requireAdmin } from './decisions.js';
import {
  describeExpiry,
  GRANT_OPTIONS,
  type GrantOptions,
  REVOKE_OPTIONS,
  type RevokeOptions,
  refuseUnknownOptions,
} from './options.js';
import { isPermission, isScope, validateAccessor, validateTarget } from './policy.js';
import type { ControlState } from './state.js';
import { PERMISSIONS, type Permission, type PermissionGrant, SCOPES } from './types.js';

/** Stores one grant, after checking every argument and, when an actor is named, its admin. */
export async function grantPermission(
  state: ControlState,
  secretOrPattern: string,
  accessor: string,
  permission: Permission,
  options: GrantOptions,
): Promise<PermissionGrant> {
  validateTarget(secretOrPattern);
  validateAccessor(accessor);
  if (!isPermission(permission))
    throw new ValidationError(
      `unknown permission '${String(permission)}': expected one of ${PERMISSIONS.join(', ')}`,
    );
  const scope = options.scope ?? 'global';
  if (!isScope(scope))
    throw new ValidationError(`unknown scope '${String(scope)}': expected one of ${SCOPES.join(', ')}`);
  refuseUnknownOptions(options, GRANT_OPTIONS, 'grant');
  const now = state.now();
  const expiresAt =
    options.expiresAt === undefined ? undefined : parseExpiry(options.expiresAt, now.getTime());
  if (expiresAt && expiresAt.getTime() <= now.getTime())
    throw new ValidationError(
      `expiresAt ${describeExpiry(options.expiresAt!)} has passed (it is ${now.toISOString()} now): give a later date, or a duration such as '30d'`,
    );
  const actor = options.actor ?? options.grantedBy;
  const grant: PermissionGrant = {
    secret: secretOrPattern,
    accessor,
    permission,
    scope,
    grantedAt: now,
    ...(actor !== undefined ? { grantedBy: actor } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
  await state.changes.audited([plannedGrant(grant, actor)], async () => {
    if (actor !== undefined) await requireAdmin(state, actor, [{ secret: secretOrPattern, scope }], 'grant');
    await state.store.put(grant);
  });
  return grant;
}

/** Removes the grants stored on exactly `secretOrPattern` for `accessor`; returns how many. */
export async function revokePermissions(
  state: ControlState,
  secretOrPattern: string,
  accessor: string,
  permission: Permission | undefined,
  options: RevokeOptions,
): Promise<number> {
  refuseUnknownOptions(options, REVOKE_OPTIONS, 'revoke');
  if (typeof secretOrPattern !== 'string' || secretOrPattern === '')
    throw new ValidationError('secret: expected a secret name or a glob pattern');
  validateAccessor(accessor);
  if (permission !== undefined && !isPermission(permission))
    throw new ValidationError(`unknown permission '${String(permission)}'`);
  if (options.scope !== undefined && !isScope(options.scope))
    throw new ValidationError(`unknown scope '${String(options.scope)}'`);
  const planned: PlannedChange = {
    operation: 'revoke',
    secretOrPattern,
    accessor,
    ...(permission !== undefined ? { permission } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
  };
  return state.changes.audited(
    [planned],
    async () => {
      if (options.actor !== undefined) {
        const targets = (await state.store.list({ secret: secretOrPattern, accessor })).filter(
          (g) =>
            (permission === undefined || g.permission === permission) &&
            (options.scope === undefined || g.scope === options.scope),
        );
        await requireAdmin(
          state,
          options.actor,
          targets.length > 0 ? targets : [{ secret: secretOrPattern, scope: options.scope ?? 'global' }],
          'revoke',
        );
      }
      return state.store.remove({
        secret: secretOrPattern,
        accessor,
        ...(permission !== undefined ? { permission } : {}),
        ...(options.scope !== undefined ? { scope: options.scope } : {}),
      });
    },
    (removed) => ({ outcome: removed === 0 ? 'not_found' : 'success', removed }),
  );
}

/** Deletes grants whose expiry has passed, each reported as a revoke; returns how many. */
export async function purgeExpiredGrants(state: ControlState): Promise<number> {
  const now = state.now().getTime();
  let removed = 0;
  for (const g of await state.store.list()) {
    if (g.expiresAt && g.expiresAt.getTime() <= now)
      removed += await state.changes.audited(
        [plannedRevoke(g)],
        () =>
          state.store.remove({
            secret: g.secret,
            accessor: g.accessor,
            permission: g.permission,
            scope: g.scope,
          }),
        (count) => ({ outcome: count === 0 ? 'not_found' : 'success', removed: count }),
      );
  }
  return removed;
}
