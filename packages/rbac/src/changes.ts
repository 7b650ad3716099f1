import type { Permission, Scope } from './types.js';

/**
 * One attempted change to the grants: what `onChange` and an `audit` sink receive. Carries names
 * only (targets, accessors, permissions), never a secret value: grants never see one.
 *
 * `@hush/audit-sqlite`'s `AuditLog.recordPermissionChange` accepts this shape without either
 * package importing the other, so `new SecretAccessControl({ audit: auditLog })` records every
 * grant and revoke in `secret_access_log`.
 */
export interface PermissionChange {
  operation: 'grant' | 'revoke';
  /** The grant's target: a secret name or a glob pattern. */
  secretOrPattern: string;
  /** Who receives (grant) or loses (revoke) the permission. */
  accessor: string;
  /** Absent on a revoke of every permission. */
  permission?: Permission;
  /** Absent on a revoke in every scope. */
  scope?: Scope;
  /** Who made the change; absent on the trusted path (a call without an actor). */
  actor?: string;
  /** `not_found`: a revoke that matched no grant. `denied`: the actor lacks admin. */
  outcome: 'success' | 'not_found' | 'denied' | 'error';
  /** The error's code when the outcome is `denied` or `error` (`ACCESS_DENIED`, ...). */
  errorCode?: string;
  /** A grant's expiry. */
  expiresAt?: Date;
  /** How many stored grants a revoke removed. */
  removed?: number;
  timestamp: Date;
  durationMs: number;
}

/** Receives permission changes; `AuditLog` from `@hush/audit-sqlite` is one. */
export interface PermissionChangeSink {
  recordPermissionChange(change: PermissionChange): void | Promise<void>;
}

/** Change fields known before the change runs; the outcome and timing are added after. */
export type PlannedChange = Omit<PermissionChange, 'outcome' | 'errorCode' | 'timestamp' | 'durationMs'>;

export function failureOutcome(error: unknown): Pick<PermissionChange, 'outcome' | 'errorCode'> {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    outcome: code === 'ACCESS_DENIED' ? 'denied' : 'error',
    errorCode: typeof code === 'string' ? code : 'ERROR',
  };
}
