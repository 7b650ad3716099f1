import { randomUUID } from 'node:crypto';
import type { OperationEvent } from '@hush/core';
import type { Cli } from '../context.js';

/**
 * One audit entry per secret whose change restarted, reloaded or re-rendered something, when
 * audit is on (names only: an audit row never holds a value).
 */
export async function recordChanges(cli: Cli, secrets: string[], operation: string): Promise<void> {
  const settings = await cli.settings();
  if (!settings.audit?.enabled) return;
  const log = await cli.auditLog();
  for (const key of secrets) {
    const event: OperationEvent = {
      requestId: randomUUID(),
      // The audit log keeps operations of its own next to the manager's (grant, revoke, restart).
      operation: operation as OperationEvent['operation'],
      key,
      accessor: cli.accessor,
      outcome: 'success',
      success: true,
      durationMs: 0,
      timestamp: new Date(),
    };
    await log.after(event);
  }
}
