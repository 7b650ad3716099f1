/** What a grant allows. `admin` implies every other permission and the right to grant and revoke. */
export type Permission = 'read' | 'write' | 'delete' | 'rotate' | 'admin';

export const PERMISSIONS: readonly Permission[] = ['read', 'write', 'delete', 'rotate', 'admin'];

/**
 * Where a grant applies. A `global` grant applies to requests made in any scope; a grant in
 * `plugin`, `agent` or `user` applies only to requests made in that same scope.
 */
export type Scope = 'global' | 'plugin' | 'agent' | 'user';

export const SCOPES: readonly Scope[] = ['global', 'plugin', 'agent', 'user'];

/** One grant: `accessor` may do `permission` on `secret` (a name or a glob pattern) within `scope`. */
export interface PermissionGrant {
  /** A secret name (`api-key-stripe`) or a glob pattern (`api-key-*`, `db/**`, `*`). */
  secret: string;
  accessor: string;
  permission: Permission;
  scope: Scope;
  grantedAt: Date;
  grantedBy?: string;
  /** After this instant the grant no longer counts (it stays stored until purged). */
  expiresAt?: Date;
}

/** Narrows a store listing; `secret` matches the stored name or pattern text exactly. */
export interface PermissionFilter {
  secret?: string;
  accessor?: string;
}

/** Which stored grants a removal targets; a missing `permission` or `scope` matches any. */
export interface PermissionMatch {
  secret: string;
  accessor: string;
  permission?: Permission;
  scope?: Scope;
}

/**
 * Where grants live. Implemented here by `MemoryPermissionStore` and `FilePermissionStore`, and by
 * `SqlitePermissionStore` in `@hush/audit-sqlite` (which matches this shape without importing it).
 * A grant is identified by (secret, accessor, permission, scope): `put` replaces an equal one.
 */
export interface PermissionStore {
  /** Every stored grant that matches the filter, expired ones included. */
  list(filter?: PermissionFilter): Promise<PermissionGrant[]>;
  put(grant: PermissionGrant): Promise<void>;
  /** Removes the matching grants and says how many went. */
  remove(match: PermissionMatch): Promise<number>;
  /** Replaces every stored grant at once (used by `importPermissions` in replace mode). */
  replaceAll(grants: PermissionGrant[]): Promise<void>;
}

/** The portable form of a set of grants: what `exportPermissions` returns and policy files hold. */
export interface PermissionPolicy {
  version: 1;
  grants: PolicyGrant[];
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
