/**
 * The audit log could not record an operation while in fail-closed mode, so the operation is
 * reported as failed (as Vault refuses requests it cannot audit). The message names the cause,
 * never a secret value (the audit log never sees one).
 */
export class AuditWriteError extends Error {
  readonly code = 'AUDIT_WRITE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditWriteError';
  }
}
