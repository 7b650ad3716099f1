import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationEvent } from '@hush/core';

export const DAY = 86_400_000;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hush-audit-'));
}

export function event(fields: Partial<OperationEvent> = {}): OperationEvent {
  const outcome = fields.outcome ?? 'success';
  return {
    requestId: randomUUID(),
    operation: 'get',
    key: 'db-password',
    provider: 'memory',
    accessor: 'app',
    outcome,
    success: outcome === 'success',
    durationMs: 1.5,
    timestamp: new Date(),
    ...fields,
  };
}

export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY);
}
