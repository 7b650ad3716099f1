import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import { AuditLog } from './log.js';
import { migrate } from './migrations.js';
import { type AuditOptions, resolveFailMode } from './options.js';
import type { AuditDatabase } from './schema.js';
import { KyselyBatchWriter } from './writer.js';

export interface AuditPostgresOptions extends AuditOptions {
  /** `postgres://user:password@host:5432/db`; used to build a `pg` Pool when no pool is given. */
  connectionString?: string;
  /** An existing `pg` Pool (closed by `close()`). */
  pool?: PostgresPool;
}

/**
 * The same audit schema on PostgreSQL, for teams whose instances share one audit database.
 * Needs the optional peer dependency `pg`.
 */
export function auditPostgres(options: AuditPostgresOptions): AuditLog {
  if (!options.pool && !options.connectionString)
    throw new Error('auditPostgres: give a connectionString or a pool');
  resolveFailMode(options); // refuse bad options before a pool is made
  const pool = async (): Promise<PostgresPool> => {
    if (options.pool) return options.pool;
    let pg: typeof import('pg');
    try {
      const loaded = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') };
      pg = loaded.default ?? loaded;
    } catch (error) {
      throw new Error("auditPostgres needs the 'pg' package: npm install pg", { cause: error });
    }
    return new pg.Pool({ connectionString: options.connectionString, max: 4 });
  };
  const db = new Kysely<AuditDatabase>({ dialect: new PostgresDialect({ pool }) });
  return new AuditLog(
    {
      db,
      dialect: 'postgres',
      prepare: () => migrate(db, 'postgres'),
      createWriter: () => new KyselyBatchWriter(db),
    },
    options,
  );
}

export async function openAuditPostgres(options: AuditPostgresOptions): Promise<AuditLog> {
  const log = auditPostgres(options);
  try {
    await log.ready;
  } catch (error) {
    await log.db.destroy().catch(() => undefined);
    throw error;
  }
  return log;
}
