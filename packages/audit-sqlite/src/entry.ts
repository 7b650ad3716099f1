import { randomUUID } from 'node:crypto';
import { type Operation, type OperationEvent, type SecretChange, ValidationError } from '@hush/core';
import type { AccessLogRow } from './schema.js';
import { fromDbTime, toDbTime } from './time.js';

/** One audit record: who did what to which secret, where, with what outcome. Never a value. */
export interface AuditEntry {
  /** Row id; set on entries read back from the database. */
  id?: number;
  requestId: string | null;
  timestamp: Date;
  operation: Operation | string;
  secretName: string | null;
  provider: string | null;
  accessor: string | null;
  scope: string | null;
  version: string | null;
  pattern: string | null;
  /** True only for outcome `success`: not-found, denied and errors count as failures. */
  success: boolean;
  outcome: 'success' | 'not_found' | 'denied' | 'error';
  errorCode: string | null;
  durationMs: number;
  /** True when the manager's cache answered. */
  cached: boolean;
  /** Grant and revoke entries: who receives or loses the permission (`accessor` is who acted). */
  grantee: string | null;
  /** Grant and revoke entries: the permission granted or revoked (null: every permission). */
  permission: string | null;
  /**
   * What a successful write changed (expiry, version, rotation time, tags, scope), from the
   * manager's after-event: copied into the `secrets` table, not into the access log row.
   */
  change?: SecretChange;
}

/**
 * A change to access-control grants, as `@hush/rbac` reports it (`PermissionChange`; matched by
 * shape, neither package imports the other). Names only: a grant never involves a value.
 */
export interface PermissionChangeRecord {
  operation: 'grant' | 'revoke';
  /** The grant's target, a secret name or a glob pattern: recorded as `secret_name`. */
  secretOrPattern: string;
  /** Who receives or loses the permission: recorded as `granted_to`. */
  accessor: string;
  permission?: string | null;
  scope?: string | null;
  /** Who made the change: recorded as the entry's `accessor`. */
  actor?: string | null;
  outcome: AuditEntry['outcome'];
  errorCode?: string | null;
  /** Default: now. */
  timestamp?: Date;
  durationMs?: number;
  /** Default: a fresh UUID. */
  requestId?: string | null;
}

const OUTCOMES: ReadonlyArray<AuditEntry['outcome']> = ['success', 'not_found', 'denied', 'error'];

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ValidationError(`permission change: ${field} must be a string`);
  return value;
}

export function entryFromPermissionChange(change: PermissionChangeRecord): AuditEntry {
  if (typeof change !== 'object' || change === null)
    throw new ValidationError('permission change: expected an object');
  if (change.operation !== 'grant' && change.operation !== 'revoke')
    throw new ValidationError("permission change: operation must be 'grant' or 'revoke'");
  if (typeof change.secretOrPattern !== 'string' || change.secretOrPattern === '')
    throw new ValidationError('permission change: secretOrPattern must be a non-empty string');
  if (typeof change.accessor !== 'string' || change.accessor === '')
    throw new ValidationError('permission change: accessor must be a non-empty string');
  if (!OUTCOMES.includes(change.outcome))
    throw new ValidationError(`permission change: outcome must be one of ${OUTCOMES.join(', ')}`);
  const timestamp = change.timestamp instanceof Date ? change.timestamp : new Date();
  return {
    requestId: optionalText(change.requestId, 'requestId') ?? randomUUID(),
    timestamp: Number.isNaN(timestamp.getTime()) ? new Date() : timestamp,
    operation: change.operation,
    secretName: change.secretOrPattern,
    provider: null,
    accessor: optionalText(change.actor, 'actor'),
    scope: optionalText(change.scope, 'scope'),
    version: null,
    pattern: null,
    success: change.outcome === 'success',
    outcome: change.outcome,
    errorCode: optionalText(change.errorCode, 'errorCode'),
    durationMs: Number.isFinite(change.durationMs) ? (change.durationMs as number) : 0,
    cached: false,
    grantee: change.accessor,
    permission: optionalText(change.permission, 'permission'),
  };
}

export function entryFromEvent(event: OperationEvent): AuditEntry {
  return {
    requestId: event.requestId ?? null,
    timestamp: event.timestamp instanceof Date ? event.timestamp : new Date(),
    operation: event.operation,
    secretName: event.key ?? null,
    provider: event.provider ?? null,
    accessor: event.accessor ?? null,
    scope: event.scope ?? null,
    version: event.version ?? null,
    pattern: event.pattern ?? null,
    success: event.outcome === 'success',
    outcome: event.outcome,
    errorCode: event.errorCode ?? null,
    durationMs: Number.isFinite(event.durationMs) ? event.durationMs : 0,
    cached: event.cached === true,
    grantee: null,
    permission: null,
    ...(event.change ? { change: event.change } : {}),
  };
}

/** The `secrets` columns a write sets from its change; `set` false: the write left that column as it was. */
export function changedMetadata(entry: AuditEntry, at: string) {
  const c = entry.change ?? {};
  const rotated = c.rotatedAt ?? (entry.operation === 'rotate' ? entry.timestamp : undefined);
  return {
    version: c.version ?? entry.version,
    scope: c.scope ?? entry.scope,
    rotated_at: rotated ? toDbTime(rotated) : null,
    expires_set: c.expiresAt !== undefined ? 1 : 0,
    expires_at: c.expiresAt ? toDbTime(c.expiresAt) : null,
    tags_set: c.tags !== undefined ? 1 : 0,
    tags: c.tags && Object.keys(c.tags).length > 0 ? JSON.stringify(c.tags) : null,
    at,
  };
}

export function entryFromRow(row: AccessLogRow): AuditEntry {
  const success = Number(row.success) === 1;
  return {
    id: Number(row.id),
    requestId: row.request_id,
    timestamp: fromDbTime(row.timestamp),
    operation: row.operation,
    secretName: row.secret_name,
    provider: row.provider,
    accessor: row.accessor,
    scope: row.scope,
    version: row.version,
    pattern: row.pattern,
    success,
    outcome: (row.outcome ?? (success ? 'success' : 'error')) as AuditEntry['outcome'],
    errorCode: row.error_code,
    durationMs: Number(row.duration_ms),
    cached: Number(row.cached) === 1,
    grantee: row.granted_to ?? null,
    permission: row.permission ?? null,
  };
}

/** The column values of an access-log row, in the order the SQLite writer binds them. */
export function logValues(entry: AuditEntry) {
  return {
    request_id: entry.requestId,
    timestamp: toDbTime(entry.timestamp),
    operation: entry.operation,
    secret_name: entry.secretName,
    provider: entry.provider,
    accessor: entry.accessor,
    scope: entry.scope,
    version: entry.version,
    pattern: entry.pattern,
    success: entry.success ? 1 : 0,
    outcome: entry.outcome,
    error_code: entry.errorCode,
    duration_ms: entry.durationMs,
    cached: entry.cached ? 1 : 0,
    granted_to: entry.grantee,
    permission: entry.permission,
  };
}

/** Which successful operations change a secret's metadata, and how the change is recorded. */
export function metadataChange(entry: AuditEntry): 'write' | 'rotate' | 'rollback' | 'delete' | null {
  if (!entry.success || entry.secretName === null) return null;
  switch (entry.operation) {
    case 'set':
      return 'write';
    case 'rotate':
      return 'rotate';
    case 'rollback':
      return 'rollback';
    case 'delete':
      return 'delete';
    default:
      return null;
  }
}
