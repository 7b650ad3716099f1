import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@hush/core';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AuditLog } from './log.js';
import { migrate } from './migrations.js';
import { type AuditOptions, resolveFailMode } from './options.js';
import type { AuditDatabase } from './schema.js';
import { SqliteBatchWriter } from './writer.js';

export interface AuditSqliteOptions extends AuditOptions {
  /** Database file (created with its folder, mode 0600), or `:memory:`. */
  path: string;
  /**
   * Accept an existing database file that group or others can access (default false: refused,
   * as a loose store is; the log names every secret and accessor, and anyone who can write it can
   * rewrite the record).
   */
  allowInsecurePermissions?: boolean;
}

/**
 * The audit log on a SQLite file (WAL mode), as a manager plugin with a query API.
 * Migrations run on open; `ready` settles when they are done (hooks and queries wait for it).
 */
export function auditSqlite(options: AuditSqliteOptions): AuditLog {
  resolveFailMode(options); // refuse bad options before a file is created
  const memory = options.path === ':memory:' || options.path === '';
  const created = !memory && !existsSync(options.path);
  if (!memory && !created && !options.allowInsecurePermissions) assertPrivateFile(options.path);
  if (!memory) mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new Database(options.path);
  // A new log is private (it names secrets and accessors); an existing file keeps the mode its owner chose.
  if (created) chmodSync(options.path, 0o600);
  // WAL lets readers (another process's `hush audit`) run beside the writer; NORMAL sync is
  // durable across application crashes and loses at most the last commits on power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<AuditDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  return new AuditLog(
    {
      db,
      dialect: 'sqlite',
      async prepare() {
        // SQLite DDL is transactional, but Kysely's migrator does not use a transaction there: take
        // the write lock ourselves so that a failed or concurrent open leaves the schema whole.
        await beginImmediate(sqlite);
        try {
          await migrate(db, 'sqlite');
          sqlite.exec('COMMIT');
        } catch (error) {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
          throw error;
        }
      },
      createWriter: () => new SqliteBatchWriter(sqlite),
    },
    options,
  );
}

function assertPrivateFile(path: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode;
  if ((mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  throw new ConfigError(
    `audit database ${path} is accessible by group or others (mode ${octal}); refusing to use it`,
    {
      hint: `fix it with: chmod 600 ${path}   (or set allowInsecurePermissions: true to override)`,
    },
  );
}

/**
 * Takes the write lock without blocking the event loop: another connection in this same process
 * may hold it while it awaits its own migration, and a blocking wait would never see it end.
 */
async function beginImmediate(sqlite: Database.Database, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/** `auditSqlite()` that resolves once the database is migrated (or rejects when it cannot be). */
export async function openAuditSqlite(options: AuditSqliteOptions): Promise<AuditLog> {
  const log = auditSqlite(options);
  try {
    await log.ready;
  } catch (error) {
    await log.db.destroy().catch(() => undefined);
    throw error;
  }
  return log;
}
