import type {
  Permission,
  PermissionFilter,
  PermissionGrant,
  PermissionMatch,
  PermissionStore,
  Scope,
} from '@hush/core';

export type { Permission, PermissionFilter, PermissionGrant, PermissionMatch, PermissionStore, Scope };

/** Every permission; `admin` implies the others, `audit` shows audit entries and grants. */
export const PERMISSIONS: readonly Permission[] = ['read', 'write', 'delete', 'rotate', 'audit', 'admin'];

export const SCOPES: readonly Scope[] = ['global', 'plugin', 'agent', 'user'];

/** The portable form of a set of grants: what `exportPermissions` returns and policy files hold. */
export interface PermissionPolicy {
  version: 1;
  grants: PolicyGrant[];
}

/**
 * What `importPermissions` takes: a policy document, typed loosely enough that an object literal
 * or parsed JSON fits, and strictly enough that a Promise or an object without `grants` does not.
 * Every field is checked when it is imported.
 */
export interface PolicyDocument {
  version?: number;
  grants: ReadonlyArray<{
    secret: string;
    accessor: string;
    permission: string;
    scope?: string;
    grantedAt?: string | Date;
    grantedBy?: string;
    expiresAt?: string | Date;
  }>;
}

export interface PolicyGrant {
  secret: string;
  accessor: string;
  permission: Permission;
  scope?: Scope;
  /** ISO timestamp. */
  grantedAt?: string;
  grantedBy?: string;
  /** ISO timestamp. */
  expiresAt?: string;
}

/** The identity of a grant in a store. */
export function grantKey(
  grant: Pick<PermissionGrant, 'secret' | 'accessor' | 'permission' | 'scope'>,
): string {
  return JSON.stringify([grant.secret, grant.accessor, grant.permission, grant.scope]);
}

export function matchesFilter(grant: PermissionGrant, filter: PermissionFilter = {}): boolean {
  return (
    (filter.secret === undefined || grant.secret === filter.secret) &&
    (filter.accessor === undefined || grant.accessor === filter.accessor)
  );
}

export function matchesRemoval(grant: PermissionGrant, match: PermissionMatch): boolean {
  return (
    grant.secret === match.secret &&
    grant.accessor === match.accessor &&
    (match.permission === undefined || grant.permission === match.permission) &&
    (match.scope === undefined || grant.scope === match.scope)
  );
}

export function cloneGrant(grant: PermissionGrant): PermissionGrant {
  return {
    ...grant,
    grantedAt: new Date(grant.grantedAt.getTime()),
    ...(grant.expiresAt ? { expiresAt: new Date(grant.expiresAt.getTime()) } : {}),
  };
}
