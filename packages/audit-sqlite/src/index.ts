export type { AuditConfig } from './config.js';
export { auditFromConfig, DEFAULT_AUDIT_PATH } from './config.js';
export type { AuditEntry, PermissionChangeRecord } from './entry.js';
export { AuditWriteError } from './errors.js';
export { AuditLog } from './log.js';
export { SCHEMA_VERSION } from './migrations.js';
export type { AuditCounters, AuditOptions, AuditQuery } from './options.js';
export type {
  StoredGrant,
  StoredGrantFilter,
  StoredGrantMatch,
  StoredPermission,
  StoredScope,
} from './permissions.js';
export { SqlitePermissionStore } from './permissions.js';
export type { AuditPostgresOptions } from './postgres.js';
export { auditPostgres, openAuditPostgres } from './postgres.js';
export type {
  AccessorFailures,
  AccessRate,
  EncryptionKeyRecord,
  ExpiringSecret,
  RotationRecord,
  SecretMetadata,
  StaleSecret,
} from './records.js';
export type { AuditDatabase } from './schema.js';
export type { AuditSqliteOptions } from './sqlite.js';
export { auditSqlite, openAuditSqlite } from './sqlite.js';
