export { auditSqlite, openAuditSqlite } from './sqlite.js';
export type { AuditSqliteOptions } from './sqlite.js';
export { auditPostgres, openAuditPostgres } from './postgres.js';
export type { AuditPostgresOptions } from './postgres.js';
export { AuditLog } from './log.js';
export type {
  AccessorFailures,
  AuditCounters,
  AuditOptions,
  AuditQuery,
  EncryptionKeyRecord,
  ExpiringSecret,
  RotationRecord,
  SecretMetadata,
  StaleSecret,
} from './log.js';
export type { AuditEntry } from './entry.js';
export { AuditWriteError } from './errors.js';
export { SqlitePermissionStore } from './permissions.js';
export type { StoredGrant, StoredGrantFilter, StoredGrantMatch, StoredPermission, StoredScope } from './permissions.js';
export { SCHEMA_VERSION } from './migrations.js';
export type { AuditDatabase } from './schema.js';
export { auditFromConfig, DEFAULT_AUDIT_PATH } from './config.js';
export type { AuditConfig } from './config.js';
