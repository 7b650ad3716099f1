import type { Generated, Selectable } from 'kysely';

/**
 * Typed tables. Timestamps are UTC text in SQLite's datetime() form with milliseconds and a zone
 * (`2026-01-31 12:00:00.000Z`, see time.ts), which sorts in time order, compares correctly with
 * SQLite's date functions and reads the same on PostgreSQL; booleans are 0/1 integers for the same reason.
 * No table has a column for a secret's value.
 */
export interface SecretsTable {
  name: string;
  provider: string | null;
  scope: string | null;
  current_version: string | null;
  created_at: string;
  updated_at: string;
  last_rotated_at: string | null;
  expires_at: string | null;
  deleted: number;
  deleted_at: string | null;
  /** Tags as a JSON object (names and labels, never values). */
  tags: string | null;
}

export interface SecretAccessLogTable {
  id: Generated<number>;
  request_id: string | null;
  timestamp: string;
  operation: string;
  secret_name: string | null;
  provider: string | null;
  accessor: string | null;
  scope: string | null;
  version: string | null;
  pattern: string | null;
  success: number;
  /** success, not_found, denied or error (null only in rows written before schema version 2). */
  outcome: string | null;
  error_code: string | null;
  duration_ms: number;
  cached: Generated<number>;
  /** Grant and revoke entries: who receives or loses the permission (schema version 4). */
  granted_to: string | null;
  /** Grant and revoke entries: the permission (null on a revoke of every permission). */
  permission: string | null;
}

export interface SecretPermissionsTable {
  id: Generated<number>;
  /** A secret name or a glob pattern. */
  secret_id: string;
  granted_to: string;
  permission: string;
  scope: string;
  granted_at: string;
  granted_by: string | null;
  expires_at: string | null;
}

/** Key lifecycle: which encryption keys exist, and when each was activated, rotated and retired. */
export interface EncryptionKeysTable {
  id: string;
  provider: string | null;
  algorithm: string;
  /** active, retired, revoked, or any state a provider records. */
  status: string;
  created_at: string;
  activated_at: string | null;
  rotated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
  /** JSON object of descriptive fields. */
  metadata: string | null;
}

export interface SecretVersionsTable {
  id: Generated<number>;
  secret_name: string;
  version: string | null;
  provider: string | null;
  /** create, update, rotate, rollback or delete. */
  change_type: string;
  created_at: string;
  created_by: string | null;
  request_id: string | null;
}

export interface RotationHistoryView {
  secret_name: string;
  version: string | null;
  provider: string | null;
  change_type: string;
  rotated_at: string;
  rotated_by: string | null;
  request_id: string | null;
}

export interface AuditDatabase {
  secrets: SecretsTable;
  secret_access_log: SecretAccessLogTable;
  secret_permissions: SecretPermissionsTable;
  encryption_keys: EncryptionKeysTable;
  secret_versions: SecretVersionsTable;
  active_secrets: SecretsTable;
  recent_access_log: SecretAccessLogTable;
  failed_access_attempts: SecretAccessLogTable;
  active_permissions: SecretPermissionsTable;
  rotation_history: RotationHistoryView;
}

export type AccessLogRow = Selectable<SecretAccessLogTable>;
export type SecretRow = Selectable<SecretsTable>;
export type PermissionRow = Selectable<SecretPermissionsTable>;
export type KeyRow = Selectable<EncryptionKeysTable>;

export type SqlDialectName = 'sqlite' | 'postgres';
