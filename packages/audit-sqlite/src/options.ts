import { type Duration, ValidationError } from '@hush/core';
import type { Kysely } from 'kysely';
import type { AuditEntry } from './entry.js';
import type { AuditDatabase, SqlDialectName } from './schema.js';
import type { BatchWriter } from './writer.js';

export interface AuditOptions {
  /**
   * `closed` (default): an operation whose entry cannot be written fails, as Vault refuses requests
   * it cannot audit. `open`: the operation goes on and the loss is counted in metrics
   * (`droppedEntries`). `failClosed` and `failOpen` are accepted as the same two modes.
   */
  failMode?: 'closed' | 'open' | 'failClosed' | 'failOpen';
  /** `failOpen: true` is `failMode: 'open'`. */
  failOpen?: boolean;
  /** `failClosed: true` is `failMode: 'closed'` (the default). */
  failClosed?: boolean;
  /** Receives every entry as it is recorded, e.g. to forward to a SIEM. Errors are counted, never thrown. */
  auditLogCallback?: (entry: AuditEntry) => void | Promise<void>;
  /** Access-log entries older than this are deleted on open and daily (default 90; 0 keeps everything). */
  retentionDays?: number;
  /** Most entries per transaction (default 500). */
  batchSize?: number;
  /** Fail-open mode: longest wait before buffered entries are written (default 25 ms). */
  flushIntervalMs?: number;
  /** Plugin name in the manager's metrics (default `audit`). */
  name?: string;
  /**
   * Copy expiry, tags and versions from every listing the manager returns into `secrets`
   * (default true), so `expiringSecrets()` sees them without calling `syncSecrets()`.
   */
  syncOnList?: boolean;
}

export interface AuditQuery {
  secret?: string;
  /** Who acted: the reader, the writer, or the actor of a grant or revoke. */
  accessor?: string;
  /** Grant and revoke entries: who received or lost the permission. */
  grantee?: string;
  operation?: string;
  /** Only entries whose outcome is not `success`. */
  failedOnly?: boolean;
  outcome?: AuditEntry['outcome'];
  /** A Date, or a duration back from now (`'24h'`). */
  since?: Date | Duration;
  until?: Date | Duration;
  /** Default 100. */
  limit?: number;
  /** Default `newest` first. */
  order?: 'newest' | 'oldest';
}

/** Counters shown in the manager's metrics under the plugin's name. */
export interface AuditCounters {
  entriesWritten: number;
  batches: number;
  writeFailures: number;
  /** Entries lost in fail-open mode. */
  droppedEntries: number;
  callbackErrors: number;
  retentionFailures: number;
  /** Listings whose metadata could not be copied (syncOnList). */
  syncFailures: number;
}

/** How a backend plugs in: its Kysely instance, migrations, batch writer and shutdown. */
export interface AuditBackend {
  db: Kysely<AuditDatabase>;
  dialect: SqlDialectName;
  prepare(): Promise<void>;
  createWriter(): BatchWriter;
}

const FAIL_MODES: Record<string, 'closed' | 'open'> = {
  closed: 'closed',
  open: 'open',
  failClosed: 'closed',
  failOpen: 'open',
};

/** One fail mode from `failMode`, `failOpen` and `failClosed`; contradictions are refused. */
export function resolveFailMode(options: AuditOptions): 'closed' | 'open' {
  const chosen: Array<'closed' | 'open'> = [];
  if (options.failMode !== undefined) {
    const mode = FAIL_MODES[options.failMode];
    if (!mode)
      throw new ValidationError(
        `failMode: expected 'closed' or 'open' (or 'failClosed', 'failOpen'), got '${String(options.failMode)}'`,
      );
    chosen.push(mode);
  }
  for (const [key, mode, other] of [
    ['failOpen', 'open', 'closed'],
    ['failClosed', 'closed', 'open'],
  ] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ValidationError(`${key}: expected true or false`);
    chosen.push(value ? mode : other);
  }
  if (chosen.some((mode) => mode !== chosen[0]))
    throw new ValidationError('failMode, failOpen and failClosed contradict each other: give one');
  return chosen[0] ?? 'closed';
}
