import type { Operation, OperationEvent } from '@hush/core';
import type { AccessLogRow } from './schema.js';

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
  };
}

export function entryFromRow(row: AccessLogRow): AuditEntry {
  const success = Number(row.success) === 1;
  return {
    id: Number(row.id),
    requestId: row.request_id,
    timestamp: new Date(row.timestamp),
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
  };
}

/** The column values of an access-log row, in the order the SQLite writer binds them. */
export function logValues(entry: AuditEntry) {
  return {
    request_id: entry.requestId,
    timestamp: entry.timestamp.toISOString(),
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
