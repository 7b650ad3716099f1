import {
  type Duration,
  type ManagerPlugin,
  type OperationContext,
  type OperationEvent,
  parseDuration,
  type SecretInfo,
  ValidationError,
} from '@hush/core';
import { type Kysely, sql } from 'kysely';
import {
  type AuditEntry,
  entryFromEvent,
  entryFromPermissionChange,
  entryFromRow,
  type PermissionChangeRecord,
} from './entry.js';
import { AuditWriteError } from './errors.js';
import { SqlitePermissionStore } from './permissions.js';
import type { AuditDatabase, SqlDialectName } from './schema.js';
import { fromDbTime, fromDbTimeOrNull, toDbTime, toDbTimeOrNull } from './time.js';
import type { BatchWriter } from './writer.js';

const DAY_MS = 86_400_000;

// Open logs with entries possibly buffered: written when the event loop empties, so a process
// that ends without calling `dispose()` still keeps its last fail-open entries.
const openLogs = new Set<AuditLog>();
let exitHookInstalled = false;
function watchForExit(log: AuditLog): void {
  openLogs.add(log);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    for (const open of openLogs) if (open.pendingEntries > 0) void open.flush();
  });
}

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

export interface AccessorFailures {
  accessor: string | null;
  failures: number;
  lastFailureAt: Date;
}

export interface AccessRate {
  /** The start of the hour (UTC). */
  hour: Date;
  /** Entries recorded in that hour. */
  accesses: number;
}

export interface ExpiringSecret {
  name: string;
  provider: string | null;
  expiresAt: Date;
  /** Negative when already expired. */
  daysUntilExpiry: number;
}

export interface StaleSecret {
  name: string;
  provider: string | null;
  updatedAt: Date;
  lastRotatedAt: Date | null;
  daysSinceUpdate: number;
}

export interface SecretMetadata {
  name: string;
  provider: string | null;
  scope: string | null;
  currentVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  deleted: boolean;
  deletedAt: Date | null;
  tags: Record<string, string>;
}

export interface RotationRecord {
  secretName: string;
  version: string | null;
  provider: string | null;
  changeType: 'rotate' | 'rollback';
  rotatedAt: Date;
  rotatedBy: string | null;
  requestId: string | null;
}

export interface EncryptionKeyRecord {
  id: string;
  provider?: string | null;
  algorithm: string;
  status: string;
  createdAt?: Date;
  activatedAt?: Date | null;
  rotatedAt?: Date | null;
  retiredAt?: Date | null;
  expiresAt?: Date | null;
  metadata?: Record<string, string>;
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

function parseJsonObject(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, string>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The audit log: a manager plugin that records every operation, plus the typed query API over
 * what it recorded. Build one with `auditSqlite()` or `auditPostgres()`.
 */
export class AuditLog implements ManagerPlugin {
  readonly name: string;
  readonly db: Kysely<AuditDatabase>;
  readonly dialect: SqlDialectName;
  readonly failMode: 'closed' | 'open';
  readonly retentionDays: number;
  /** Resolves once the database is open and migrated; rejects when it cannot be. */
  readonly ready: Promise<void>;
  readonly counters: AuditCounters = {
    entriesWritten: 0,
    batches: 0,
    writeFailures: 0,
    droppedEntries: 0,
    callbackErrors: 0,
    retentionFailures: 0,
    syncFailures: 0,
  };
  readonly #callback?: AuditOptions['auditLogCallback'];
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  #writer?: BatchWriter;
  #buffer: AuditEntry[] = [];
  #waiters: Array<(error?: Error) => void> = [];
  #flushQueued = false;
  #timer?: NodeJS.Timeout;
  #retentionTimer?: NodeJS.Timeout;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #permissionStore?: SqlitePermissionStore;
  readonly #syncOnList: boolean;
  readonly #syncs = new Set<Promise<void>>();

  constructor(backend: AuditBackend, options: AuditOptions = {}) {
    this.name = options.name ?? 'audit';
    this.db = backend.db;
    this.dialect = backend.dialect;
    this.failMode = resolveFailMode(options);
    this.retentionDays = options.retentionDays ?? 90;
    this.#batchSize = Math.max(1, options.batchSize ?? 500);
    this.#flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 25);
    this.#callback = options.auditLogCallback;
    this.#syncOnList = options.syncOnList ?? true;
    this.ready = backend.prepare().then(async () => {
      this.#writer = backend.createWriter();
      // The first purge runs before `ready` resolves, so it never races entries written after it.
      await this.#startRetention();
    });
    // Callers see the failure through `ready`, hooks and queries; never as an unhandled rejection.
    this.ready.catch(() => undefined);
    watchForExit(this);
  }

  // ---- manager hooks -------------------------------------------------------------------------

  /** Fail-closed: refuse to start an operation that could not be audited. */
  async before(_context: OperationContext): Promise<void> {
    if (this.failMode === 'open') return;
    if (this.#closed) throw new AuditWriteError('audit log is closed; operation refused (failMode closed)');
    try {
      await this.ready;
    } catch (error) {
      throw new AuditWriteError(
        `audit log unavailable; operation refused (failMode closed): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Records the operation. In fail-closed mode, resolves only once the entry is committed. */
  after(event: OperationEvent): Promise<void> | void {
    return this.#record(entryFromEvent(event));
  }

  /**
   * Records a grant or revoke (`@hush/rbac`'s `PermissionChange`, matched by shape) as a
   * `secret_access_log` row with operation `grant` or `revoke`: the target in `secret_name`, the
   * actor in `accessor`, the grantee in `granted_to`, and `permission`, `scope` and the outcome.
   * Pass the log as rbac's `audit` option: `new SecretAccessControl({ audit: log })`. Fail modes
   * apply as to operations: fail-closed rejects when the row cannot be committed.
   */
  async recordPermissionChange(change: PermissionChangeRecord): Promise<void> {
    await this.#record(entryFromPermissionChange(change));
  }

  #record(entry: AuditEntry): Promise<void> | void {
    if (this.#closed) {
      if (this.failMode === 'closed')
        throw new AuditWriteError('audit log is closed; operation refused (failMode closed)');
      this.counters.droppedEntries++;
      return;
    }
    this.#forward(entry);
    this.#buffer.push(entry);
    if (this.failMode === 'closed') {
      // Group commit: every entry recorded in this tick shares one transaction.
      const committed = new Promise<void>((resolve, reject) =>
        this.#waiters.push((error) => (error ? reject(error) : resolve())),
      );
      this.#queueFlush();
      return committed;
    }
    if (this.#buffer.length >= this.#batchSize) this.#queueFlush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * Leaves the listing as it is, and copies its metadata (expiry, tags, versions; listings carry no
   * values) into `secrets` in the background: a listing never waits for the audit database.
   */
  filterList(_context: OperationContext, secrets: SecretInfo[]): SecretInfo[] {
    if (this.#syncOnList && !this.#closed && secrets.length > 0) {
      const sync = this.#sync(secrets).catch(() => {
        this.counters.syncFailures++;
      });
      this.#syncs.add(sync);
      void sync.finally(() => this.#syncs.delete(sync));
    }
    return secrets;
  }

  /** Entries recorded but not yet written. */
  get pendingEntries(): number {
    return this.#buffer.length;
  }

  metrics(): Record<string, number> {
    return { ...this.counters, pending: this.#buffer.length };
  }

  dispose(): Promise<void> {
    return this.close();
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Writes every buffered entry now. Never rejects: failures go to the waiting operations and to metrics. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const entries = this.#buffer;
    const waiters = this.#waiters;
    if (entries.length === 0) return this.#chain;
    this.#buffer = [];
    this.#waiters = [];
    const run = this.#chain.then(async () => {
      try {
        await this.ready;
      } catch (error) {
        this.#failed(entries.length, waiters, error);
        return;
      }
      const writer = this.#writer as BatchWriter;
      // Fail-closed entries and waiters line up one to one; fail-open entries have no waiters.
      for (let start = 0; start < entries.length; start += this.#batchSize) {
        const chunk = entries.slice(start, start + this.#batchSize);
        const chunkWaiters = waiters.slice(start, start + this.#batchSize);
        try {
          await writer.write(chunk);
        } catch (error) {
          this.#failed(chunk.length, chunkWaiters, error);
          continue;
        }
        this.counters.batches++;
        this.counters.entriesWritten += chunk.length;
        for (const done of chunkWaiters) done();
      }
    });
    this.#chain = run;
    return run;
  }

  #failed(count: number, waiters: Array<(error?: Error) => void>, error: unknown): void {
    this.counters.writeFailures++;
    if (this.failMode === 'open') this.counters.droppedEntries += count;
    const failure = new AuditWriteError(
      `audit log write failed; operation refused (failMode closed): ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
    for (const done of waiters) done(failure);
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      void this.flush();
    });
  }

  #forward(entry: AuditEntry): void {
    if (!this.#callback) return;
    try {
      const result = this.#callback({ ...entry });
      if (result && typeof (result as Promise<void>).catch === 'function')
        (result as Promise<void>).catch(() => {
          this.counters.callbackErrors++;
        });
    } catch {
      this.counters.callbackErrors++;
    }
  }

  /** Writes what is buffered, stops timers and closes the database. Later operations fail (closed) or are dropped (open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    await Promise.all(this.#syncs);
    this.#closed = true;
    openLogs.delete(this);
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    await this.#chain;
    await this.ready.catch(() => undefined);
    await this.db.destroy();
  }

  async #startRetention(): Promise<void> {
    if (!(this.retentionDays > 0) || !Number.isFinite(this.retentionDays)) return;
    const cutoff = () => toDbTime(new Date(Date.now() - this.retentionDays * DAY_MS));
    try {
      await this.db.deleteFrom('secret_access_log').where('timestamp', '<', cutoff()).execute();
    } catch {
      this.counters.retentionFailures++;
    }
    this.#retentionTimer = setInterval(() => {
      this.purge().catch(() => {
        this.counters.retentionFailures++;
      });
    }, DAY_MS);
    this.#retentionTimer.unref();
  }

  // ---- queries -------------------------------------------------------------------------------

  /**
   * Runs your own SQL text (a `db.query(...)` of your own) after writing what is buffered, and returns
   * its rows as the database gives them (timestamps as stored text). For queries built from input,
   * use the typed `audit.db` (Kysely) instead: this runs the text as given.
   */
  async query<Row = Record<string, unknown>>(text: string): Promise<Row[]> {
    if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('query: expected SQL text');
    await this.#settled();
    return (await sql.raw<Row>(text).execute(this.db)).rows;
  }

  /** Entries matching every given filter, newest first by default. Buffered entries are written first. */
  async entries(query: AuditQuery = {}): Promise<AuditEntry[]> {
    await this.#settled();
    let q = this.db.selectFrom('secret_access_log').selectAll();
    if (query.secret !== undefined) q = q.where('secret_name', '=', query.secret);
    if (query.accessor !== undefined) q = q.where('accessor', '=', query.accessor);
    if (query.grantee !== undefined) q = q.where('granted_to', '=', query.grantee);
    if (query.operation !== undefined) q = q.where('operation', '=', query.operation);
    if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
    if (query.failedOnly) q = q.where('success', '=', 0);
    if (query.since !== undefined) q = q.where('timestamp', '>=', this.#instant(query.since, 'since'));
    if (query.until !== undefined) q = q.where('timestamp', '<=', this.#instant(query.until, 'until'));
    const direction = query.order === 'oldest' ? 'asc' : 'desc';
    const rows = await q
      .orderBy('timestamp', direction)
      .orderBy('id', direction)
      .limit(Math.max(1, Math.floor(query.limit ?? 100)))
      .execute();
    return rows.map(entryFromRow);
  }

  bySecret(name: string, query: Omit<AuditQuery, 'secret'> = {}): Promise<AuditEntry[]> {
    return this.entries({ ...query, secret: name });
  }

  byAccessor(accessor: string, query: Omit<AuditQuery, 'accessor'> = {}): Promise<AuditEntry[]> {
    return this.entries({ ...query, accessor });
  }

  /** Failed entries (not-found, denied, error) in a window: the `failed_access_attempts` view. */
  async failures(
    query: { since?: Date | Duration; until?: Date | Duration; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    await this.#settled();
    let q = this.db.selectFrom('failed_access_attempts').selectAll();
    if (query.since !== undefined) q = q.where('timestamp', '>=', this.#instant(query.since, 'since'));
    if (query.until !== undefined) q = q.where('timestamp', '<=', this.#instant(query.until, 'until'));
    const rows = await q
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.max(1, query.limit ?? 100))
      .execute();
    return rows.map(entryFromRow);
  }

  /** The last 1000 entries: the `recent_access_log` view. */
  async recent(): Promise<AuditEntry[]> {
    await this.#settled();
    const rows = await this.db.selectFrom('recent_access_log').selectAll().orderBy('id', 'desc').execute();
    return rows.map(entryFromRow);
  }

  /** Accessors with more than `threshold` failures within `window` (the usual alert: more than 5 in 24 h). */
  async accessorsWithFailures(
    options: { threshold?: number; window?: Duration } = {},
  ): Promise<AccessorFailures[]> {
    await this.#settled();
    const threshold = options.threshold ?? 5;
    const since = toDbTime(new Date(Date.now() - parseDuration(options.window ?? '24h')));
    const rows = await this.db
      .selectFrom('secret_access_log')
      .select((eb) => [
        'accessor',
        eb.fn.countAll().as('failures'),
        eb.fn.max('timestamp').as('last_failure_at'),
      ])
      .where('success', '=', 0)
      .where('timestamp', '>=', since)
      .groupBy('accessor')
      .having((eb) => eb.fn.countAll(), '>', threshold)
      .orderBy('failures', 'desc')
      .execute();
    return rows.map((row) => ({
      accessor: row.accessor,
      failures: Number(row.failures),
      lastFailureAt: fromDbTime(row.last_failure_at as string),
    }));
  }

  /**
   * Entries per hour within `window` back from now, oldest hour first (the "secret access
   * rate" metric: the last hour by default).
   */
  async accessRate(options: { window?: Duration } = {}): Promise<AccessRate[]> {
    await this.#settled();
    const since = toDbTime(new Date(Date.now() - parseDuration(options.window ?? '1h')));
    // Stored text up to the hour ('2026-05-01 10') groups the same on SQLite and PostgreSQL.
    const hour = sql<string>`substr(timestamp, 1, 13)`;
    const rows = await this.db
      .selectFrom('secret_access_log')
      .select((eb) => [hour.as('hour'), eb.fn.countAll().as('accesses')])
      .where('timestamp', '>=', since)
      .groupBy(hour)
      .orderBy(hour)
      .execute();
    return rows.map((row) => ({
      hour: fromDbTime(`${row.hour}:00:00.000Z`),
      accesses: Number(row.accesses),
    }));
  }

  /** Live secrets whose expiry falls within `days` from now (already expired ones included, with negative days). */
  async expiringSecrets(days = 30): Promise<ExpiringSecret[]> {
    await this.#settled();
    const now = Date.now();
    const rows = await this.db
      .selectFrom('secrets')
      .select(['name', 'provider', 'expires_at'])
      .where('deleted', '=', 0)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', toDbTime(new Date(now + days * DAY_MS)))
      .orderBy('expires_at', 'asc')
      .execute();
    return rows.map((row) => {
      const expiresAt = fromDbTime(row.expires_at as string);
      return {
        name: row.name,
        provider: row.provider,
        expiresAt,
        daysUntilExpiry: (expiresAt.getTime() - now) / DAY_MS,
      };
    });
  }

  /**
   * Live secrets whose value has not changed (set, rotate or rollback) for more than `days`
   * (the "never rotated" query over `updated_at`).
   */
  async secretsNotRotated(days = 90): Promise<StaleSecret[]> {
    await this.#settled();
    const now = Date.now();
    const rows = await this.db
      .selectFrom('secrets')
      .select(['name', 'provider', 'updated_at', 'last_rotated_at'])
      .where('deleted', '=', 0)
      .where('updated_at', '<', toDbTime(new Date(now - days * DAY_MS)))
      .orderBy('updated_at', 'asc')
      .execute();
    return rows.map((row) => {
      const updatedAt = fromDbTime(row.updated_at);
      return {
        name: row.name,
        provider: row.provider,
        updatedAt,
        lastRotatedAt: fromDbTimeOrNull(row.last_rotated_at),
        daysSinceUpdate: (now - updatedAt.getTime()) / DAY_MS,
      };
    });
  }

  /** Deletes access-log entries older than `days` (default: `retentionDays`); returns how many. */
  async purge(days: number = this.retentionDays): Promise<number> {
    if (!(days >= 0)) throw new ValidationError(`retention: expected a number of days, got ${days}`);
    await this.#settled();
    const cutoff = toDbTime(new Date(Date.now() - days * DAY_MS));
    const result = await this.db
      .deleteFrom('secret_access_log')
      .where('timestamp', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Secret metadata (never values). Live, non-expired ones only unless `includeDeleted`. */
  async secrets(options: { includeDeleted?: boolean } = {}): Promise<SecretMetadata[]> {
    await this.#settled();
    const rows = await this.db
      .selectFrom(options.includeDeleted ? 'secrets' : 'active_secrets')
      .selectAll()
      .orderBy('name')
      .execute();
    return rows.map((row) => ({
      name: row.name,
      provider: row.provider,
      scope: row.scope,
      currentVersion: row.current_version,
      createdAt: fromDbTime(row.created_at),
      updatedAt: fromDbTime(row.updated_at),
      lastRotatedAt: fromDbTimeOrNull(row.last_rotated_at),
      expiresAt: fromDbTimeOrNull(row.expires_at),
      deleted: Number(row.deleted) === 1,
      deletedAt: fromDbTimeOrNull(row.deleted_at),
      tags: parseJsonObject(row.tags),
    }));
  }

  /**
   * Upserts metadata from a listing (`manager.listSecrets()`): expiry, tags, version and dates that
   * operation events do not carry. Never touches values: `SecretInfo` has none.
   */
  async syncSecrets(infos: SecretInfo[]): Promise<void> {
    await this.#settled();
    await this.#sync(infos);
  }

  async #sync(infos: SecretInfo[]): Promise<void> {
    await this.ready;
    if (infos.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const info of infos) {
        const values = {
          name: info.key,
          provider: info.provider ?? null,
          scope: info.scope ?? null,
          current_version: info.version ?? null,
          created_at: toDbTime(info.createdAt),
          updated_at: toDbTime(info.updatedAt),
          expires_at: toDbTimeOrNull(info.expiresAt),
          tags: Object.keys(info.tags ?? {}).length > 0 ? JSON.stringify(info.tags) : null,
          deleted: info.deleted ? 1 : 0,
        };
        await trx
          .insertInto('secrets')
          .values(values)
          .onConflict((oc) =>
            oc.column('name').doUpdateSet({
              provider: values.provider,
              scope: values.scope,
              current_version: values.current_version,
              created_at: values.created_at,
              updated_at: values.updated_at,
              expires_at: values.expires_at,
              tags: values.tags,
              deleted: values.deleted,
            }),
          )
          .execute();
      }
    });
  }

  /** Rotations and rollbacks, newest first: the `rotation_history` view. */
  async rotationHistory(name?: string, limit = 100): Promise<RotationRecord[]> {
    await this.#settled();
    let q = this.db.selectFrom('rotation_history').selectAll();
    if (name !== undefined) q = q.where('secret_name', '=', name);
    const rows = await q.orderBy('rotated_at', 'desc').limit(limit).execute();
    return rows.map((row) => ({
      secretName: row.secret_name,
      version: row.version,
      provider: row.provider,
      changeType: row.change_type as RotationRecord['changeType'],
      rotatedAt: fromDbTime(row.rotated_at),
      rotatedBy: row.rotated_by,
      requestId: row.request_id,
    }));
  }

  /** Records or updates an encryption key's lifecycle (ids and dates only, never key material). */
  async recordKey(key: EncryptionKeyRecord): Promise<void> {
    await this.#settled();
    const values = {
      id: key.id,
      provider: key.provider ?? null,
      algorithm: key.algorithm,
      status: key.status,
      created_at: toDbTime(key.createdAt ?? new Date()),
      activated_at: toDbTimeOrNull(key.activatedAt),
      rotated_at: toDbTimeOrNull(key.rotatedAt),
      retired_at: toDbTimeOrNull(key.retiredAt),
      expires_at: toDbTimeOrNull(key.expiresAt),
      metadata: key.metadata ? JSON.stringify(key.metadata) : null,
    };
    const { id: _id, created_at: _created, ...changes } = values;
    await this.db
      .insertInto('encryption_keys')
      .values(values)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async keys(): Promise<EncryptionKeyRecord[]> {
    await this.#settled();
    const rows = await this.db.selectFrom('encryption_keys').selectAll().orderBy('created_at').execute();
    return rows.map((row) => ({
      id: row.id,
      provider: row.provider,
      algorithm: row.algorithm,
      status: row.status,
      createdAt: fromDbTime(row.created_at),
      activatedAt: fromDbTimeOrNull(row.activated_at),
      rotatedAt: fromDbTimeOrNull(row.rotated_at),
      retiredAt: fromDbTimeOrNull(row.retired_at),
      expiresAt: fromDbTimeOrNull(row.expires_at),
      metadata: parseJsonObject(row.metadata),
    }));
  }

  /** A `PermissionStore` for `@hush/rbac` over this database's `secret_permissions` table. */
  permissionStore(): SqlitePermissionStore {
    this.#permissionStore ??= new SqlitePermissionStore(this.db, this.ready);
    return this.#permissionStore;
  }

  /** Waits for the database and writes what is buffered, so a query sees every entry recorded so far. */
  async #settled(): Promise<void> {
    await this.ready;
    if (!this.#closed) await this.flush();
    await Promise.all(this.#syncs);
  }

  #instant(value: Date | Duration, field: string): string {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new ValidationError(`${field}: invalid date`);
      return toDbTime(value);
    }
    return toDbTime(new Date(Date.now() - parseDuration(value)));
  }
}
