import { type Duration, parseExpiry, ValidationError } from '@hush/core';
import type { PermissionChange, PermissionChangeSink } from './changes.js';
import type { Permission, PermissionStore, Scope } from './types.js';

export interface SecretAccessControlOptions {
  /** Where grants live (default: in memory). */
  store?: PermissionStore;
  /**
   * On (the default): an operation is allowed only by a grant or by `defaultPermissions`.
   * Off: every check passes (grants are still kept, and would-be denials are counted).
   */
  enforceAccessControl?: boolean;
  /** Permissions every accessor holds on every secret in every scope without a grant (default none). */
  defaultPermissions?: Permission[];
  /** Accessors that hold admin on everything without a grant: the bootstrap path for a first admin. */
  rootAccessors?: string[];
  /** The accessor checked when a request names none (default `anonymous`). */
  anonymousAccessor?: string;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Called with every attempted grant and revoke (imports and `purgeExpired` included), allowed or
   * denied, once its outcome is known. A rejection after a successful change fails the call: the
   * change is made, but the caller learns it was not recorded.
   */
  onChange?: (change: PermissionChange) => void | Promise<void>;
  /**
   * Where permission changes are recorded, e.g. the audit log of `@hush/audit-sqlite`
   * (`{ audit: auditLog }`); same contract as `onChange`, both may be given.
   */
  audit?: PermissionChangeSink;
}

export interface GrantOptions {
  /** Default `global`. */
  scope?: Scope;
  /** `'30d'` from now, an ISO timestamp, or a Date. */
  expiresAt?: Duration | Date;
  /** Who grants; must hold admin on the target when given (recorded as `grantedBy`). */
  actor?: string;
  /** Same as `actor` (another name for it); `actor` wins when both are given. */
  grantedBy?: string;
}

export interface RevokeOptions {
  /** Only grants in this scope (default: every scope). */
  scope?: Scope;
  /** Who revokes; must hold admin over every grant removed when given. */
  actor?: string;
}

export interface ListPermissionsOptions {
  accessor?: string;
  /** Also list grants whose expiry has passed (default false). */
  includeExpired?: boolean;
  /**
   * Only the grants this accessor may see: its own, those on secrets it may read, and every grant
   * its `audit` (or `admin`) grants cover. Without it, every grant is listed (the trusted path).
   */
  visibleTo?: string;
}

export interface ImportPermissionsOptions {
  /** `merge` (default) adds or replaces the given grants; `replace` drops every other grant. */
  mode?: 'merge' | 'replace';
  /** Who imports; must hold admin over every grant added (and, for replace, every grant dropped). */
  actor?: string;
}

/** Counters shown through the manager plugin's metrics. */
export interface AccessControlCounters {
  allowed: number;
  denied: number;
  /** Checks that would have been denied while enforcement is off. */
  wouldDeny: number;
}

// The options each call knows; anything else is refused.
export const CONTROL_OPTIONS = [
  'store',
  'enforceAccessControl',
  'defaultPermissions',
  'rootAccessors',
  'anonymousAccessor',
  'now',
  'onChange',
  'audit',
];
export const GRANT_OPTIONS = ['scope', 'expiresAt', 'actor', 'grantedBy'];
export const REVOKE_OPTIONS = ['scope', 'actor'];
export const LIST_OPTIONS = ['accessor', 'includeExpired', 'visibleTo'];
export const IMPORT_OPTIONS = ['mode', 'actor'];

/** An option this class does not know is refused, never ignored (a typo would change nothing silently). */
export function refuseUnknownOptions(options: object, known: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError(`${where}: expected an options object`);
  for (const key of Object.keys(options))
    if (!known.includes(key) && (options as Record<string, unknown>)[key] !== undefined)
      throw new ValidationError(`${where}: unknown option '${key}' (expected ${known.join(', ')})`);
}

/** The expiry as the caller gave it, and as the instant it means when that differs. */
export function describeExpiry(value: Duration | Date): string {
  if (value instanceof Date) return value.toISOString();
  const instant = parseExpiry(value).toISOString();
  return typeof value === 'string' && value !== instant ? `'${value}' (${instant})` : instant;
}
