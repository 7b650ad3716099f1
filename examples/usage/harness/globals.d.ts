// What the examples find in scope without importing it: the names earlier examples defined
// (`manager`, `accessControl`, `SecretManager`), the application's own functions and values they
// call or read, and `db`, the audit log a raw query goes to. The harness defines each at run time.
import type { AuditLog } from '@hush/audit-sqlite';
import type { SecretManager as Manager, OperationEvent } from '@hush/core';
import type { LocalSecretProvider } from '@hush/provider-local';
import type { SecretAccessControl } from '@hush/rbac';

declare global {
  var manager: Manager;
  var SecretManager: typeof Manager;
  var accessControl: SecretAccessControl;
  var db: AuditLog;
  var localStore: LocalSecretProvider;
  var fs: typeof import('node:fs/promises');
  function sendToSplunk(entry: OperationEvent): Promise<void>;
  function alertSecurityTeam(entry: OperationEvent): Promise<void>;
  function sendAlert(alert: { severity: string; message: string; details?: unknown }): Promise<void>;
  var failedAttempts: number;
  var accessor: string;
  var daysUntilExpiry: number;
  var name: string;
}
