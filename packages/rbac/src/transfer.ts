import { UnsupportedOperationError, ValidationError } from '@hush/core';
import { plannedGrant, plannedRevoke } from './changes.js';
import { requireAdmin } from './decisions.js';
import { IMPORT_OPTIONS, type ImportPermissionsOptions, refuseUnknownOptions } from './options.js';
import { parsePolicyDocument, policyFromGrants } from './policy.js';
import type { ControlState } from './state.js';
import { grantKey, type PermissionPolicy, type PermissionStore, type PolicyDocument } from './types.js';

/** Every stored grant as a policy document, read at once; a store that cannot is refused. */
export function exportPolicy(store: PermissionStore): PermissionPolicy {
  if (typeof store.listSync !== 'function') {
    const name = store.constructor?.name || 'permission store';
    throw new UnsupportedOperationError(
      name,
      'exportPermissions',
      `${name} reads its grants asynchronously: use await exportPermissionsAsync()`,
    );
  }
  return policyFromGrants(store.listSync());
}

/** Loads a policy document, merged into or replacing the stored grants; returns how many grants. */
export async function importPolicy(
  state: ControlState,
  policy: PolicyDocument | string,
  options: ImportPermissionsOptions,
): Promise<number> {
  const grants = parsePolicyDocument(policy);
  refuseUnknownOptions(options, IMPORT_OPTIONS, 'importPermissions');
  const mode = options.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace')
    throw new ValidationError(`import mode: expected 'merge' or 'replace'`);
  // Reported as one grant per imported grant and, in replace mode, one revoke per dropped grant.
  const planned = state.changes.reporting ? grants.map((g) => plannedGrant(g, options.actor)) : [];
  if (state.changes.reporting && mode === 'replace') {
    const kept = new Set(grants.map(grantKey));
    for (const g of await state.store.list())
      if (!kept.has(grantKey(g))) planned.push(plannedRevoke(g, options.actor));
  }
  await state.changes.audited(planned, async () => {
    if (options.actor !== undefined) {
      const affected = mode === 'replace' ? [...grants, ...(await state.store.list())] : grants;
      await requireAdmin(state, options.actor, affected, 'import permissions');
    }
    if (mode === 'replace') await state.store.replaceAll(grants);
    else for (const grant of grants) await state.store.put(grant);
  });
  return grants.length;
}
