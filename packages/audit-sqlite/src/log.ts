import type { ManagerPlugin, OperationContext, OperationEvent, SecretInfo } from '@hush/core';
import type { Kysely } from 'kysely';
import {
  type AuditEntry,
  entryFromEvent,
  entryFromPermissionChange,
  type PermissionChangeRecord,
} from './entry.js';
import { AuditWriteError } from './errors.js';
import { type AuditBackend, type AuditCounters, type AuditOptions, resolveFailMode } from './options.js';
import { SqlitePermissionStore } from './permissions.js';
import { AuditQueries } from './queries.js';
import type { AuditDatabase, SqlDialectName } from './schema.js';
import { toDbTime } from './time.js';
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

/**
 * The audit log: a manager plugin that records every operation, plus the typed query API over
 * what it recorded. Build one with `auditSqlite()` or `auditPostgres()`.
 */
export class AuditLog extends AuditQueries implements ManagerPlugin {
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
    super();
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

  /**
   * Fail-closed: refuse to start an operation that could not be audited. Fail-open answers
   * synchronously, so that the manager's hot path waits for nothing.
   */
  before(_context: OperationContext): Promise<void> | void {
    if (this.failMode === 'open') return;
    return this.#readyOrRefuse();
  }

  async #readyOrRefuse(): Promise<void> {
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
      const sync = this.syncInfos(secrets).catch(() => {
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

  /** A `PermissionStore` for `@hush/rbac` over this database's `secret_permissions` table. */
  permissionStore(): SqlitePermissionStore {
    this.#permissionStore ??= new SqlitePermissionStore(this.db, this.ready);
    return this.#permissionStore;
  }

  /** Waits for the database and writes what is buffered, so a query sees every entry recorded so far. */
  protected override async settled(): Promise<void> {
    await this.ready;
    if (!this.#closed) await this.flush();
    await Promise.all(this.#syncs);
  }
}
