// The shape of access-control grants and of a store that keeps them. Defined here, in the one
// package both sides depend on, so that `@hush/rbac` (which checks grants) and a store elsewhere
// (`@hush/audit-sqlite`'s SQL table) share one definition without importing each other.

/**
 * What a grant allows. `admin` implies every other permission and the right to grant and revoke;
 * `audit` lets an accessor see the audit entries and grants of the secrets it covers.
 */
export type Permission = 'read' | 'write' | 'delete' | 'rotate' | 'audit' | 'admin';

/**
 * Where a grant applies. A `global` grant applies to requests made in any scope; a grant in
 * `plugin`, `agent` or `user` applies only to requests made in that same scope.
 */
export type Scope = 'global' | 'plugin' | 'agent' | 'user';

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
 * Where grants live: `@hush/rbac`'s memory and policy-file stores, `@hush/audit-sqlite`'s table.
 * A grant is identified by (secret, accessor, permission, scope): `put` replaces an equal one.
 */
export interface PermissionStore {
  /** Every stored grant that matches the filter, expired ones included. */
  list(filter?: PermissionFilter): Promise<PermissionGrant[]>;
  /**
   * The same listing, answered at once: for stores that hold their grants in memory or can read
   * them without waiting (a policy file). Lets `exportPermissions()` return the document itself.
   */
  listSync?(filter?: PermissionFilter): PermissionGrant[];
  put(grant: PermissionGrant): Promise<void>;
  /** Removes the matching grants and says how many went. */
  remove(match: PermissionMatch): Promise<number>;
  /** Replaces every stored grant at once (used by `importPermissions` in replace mode). */
  replaceAll(grants: PermissionGrant[]): Promise<void>;
}
