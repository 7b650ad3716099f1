import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  Migrator,
  type RawBuilder,
  sql,
} from 'kysely';
import type { SqlDialectName } from './schema.js';

/**
 * Versioned migrations, written once for both SQLite and PostgreSQL. The only dialect-specific
 * pieces are the identity column and the expression for "now" as ISO text used in views.
 * Never edit a released migration: add the next one.
 */
export const SCHEMA_VERSION = 5;

// Untyped: migrations run before and across typed schema versions.
type AnyDb = Kysely<any>;

function identity(dialect: SqlDialectName) {
  return (column: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? column.generatedByDefaultAsIdentity().primaryKey() : column.primaryKey();
}

/** "now" in the stored time form since version 5 (`YYYY-MM-DD HH:MM:SS.SSSZ`, see time.ts). */
function nowDb(dialect: SqlDialectName): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%d %H:%M:%fZ', 'now')`;
}

/** Every column holding an instant, as of version 5. */
const TIME_COLUMNS: Record<string, string[]> = {
  secret_access_log: ['timestamp'],
  secrets: ['created_at', 'updated_at', 'last_rotated_at', 'expires_at', 'deleted_at'],
  secret_permissions: ['granted_at', 'expires_at'],
  encryption_keys: ['created_at', 'activated_at', 'rotated_at', 'retired_at', 'expires_at'],
  secret_versions: ['created_at'],
};

/** "now" as ISO text, the stored time form of versions 1 to 4. */
function nowIso(dialect: SqlDialectName): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
}

/** Version 1: the core tables as first released. */
function initialTables(dialect: SqlDialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text')
        .addColumn('current_version', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('secret_access_log')
        .addColumn('id', 'integer', identity(dialect))
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('secret_name', 'text')
        .addColumn('provider', 'text')
        .addColumn('accessor', 'text')
        .addColumn('success', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('duration_ms', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('idx_access_log_timestamp')
        .on('secret_access_log')
        .column('timestamp')
        .execute();
      await db.schema
        .createTable('secret_permissions')
        .addColumn('id', 'integer', identity(dialect))
        .addColumn('secret_id', 'text', (c) => c.notNull())
        .addColumn('granted_to', 'text', (c) => c.notNull())
        .addColumn('permission', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull().defaultTo('global'))
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text')
        .addColumn('expires_at', 'text')
        .addUniqueConstraint('uq_secret_permissions_grant', [
          'secret_id',
          'granted_to',
          'permission',
          'scope',
        ])
        .execute();
    },
  };
}

/** Version 2: request context on every entry, version history, key lifecycle. */
function requestContextVersionsKeys(dialect: SqlDialectName): Migration {
  return {
    async up(db: AnyDb) {
      for (const column of ['request_id', 'scope', 'version', 'pattern', 'outcome'])
        await db.schema.alterTable('secret_access_log').addColumn(column, 'text').execute();
      await db.schema
        .alterTable('secret_access_log')
        .addColumn('cached', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Entries from version 1 only knew success or failure.
      await db
        .updateTable('secret_access_log')
        .set({ outcome: sql`case when success = 1 then 'success' else 'error' end` })
        .where('outcome', 'is', null)
        .execute();
      await db.schema
        .createIndex('idx_access_log_secret')
        .on('secret_access_log')
        .columns(['secret_name', 'timestamp'])
        .execute();
      await db.schema
        .createIndex('idx_access_log_accessor')
        .on('secret_access_log')
        .columns(['accessor', 'timestamp'])
        .execute();
      // Partial: failures are few, so this index stays small and costs little on each insert.
      await db.schema
        .createIndex('idx_access_log_failures')
        .on('secret_access_log')
        .columns(['timestamp', 'accessor'])
        .where(sql.ref('success'), '=', 0)
        .execute();

      for (const column of ['scope', 'last_rotated_at', 'deleted_at', 'tags'])
        await db.schema.alterTable('secrets').addColumn(column, 'text').execute();

      await db.schema
        .createTable('secret_versions')
        .addColumn('id', 'integer', identity(dialect))
        .addColumn('secret_name', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('provider', 'text')
        .addColumn('change_type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('idx_secret_versions_name')
        .on('secret_versions')
        .columns(['secret_name', 'created_at'])
        .execute();

      await db.schema
        .createTable('encryption_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text')
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text')
        .addColumn('rotated_at', 'text')
        .addColumn('retired_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('metadata', 'text')
        .execute();
    },
  };
}

/** Version 3: the views. */
function views(dialect: SqlDialectName): Migration {
  return {
    async up(db: AnyDb) {
      const now = nowIso(dialect);
      await db.schema
        .createView('active_secrets')
        .as(
          db
            .selectFrom('secrets')
            .selectAll()
            .where('deleted', '=', 0)
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
        )
        .execute();
      await db.schema
        .createView('recent_access_log')
        .as(db.selectFrom('secret_access_log').selectAll().orderBy('id', 'desc').limit(1000))
        .execute();
      await db.schema
        .createView('failed_access_attempts')
        .as(db.selectFrom('secret_access_log').selectAll().where('success', '=', 0))
        .execute();
      await db.schema
        .createView('active_permissions')
        .as(
          db
            .selectFrom('secret_permissions')
            .selectAll()
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
        )
        .execute();
      await db.schema
        .createView('rotation_history')
        .as(
          db
            .selectFrom('secret_versions')
            .select([
              'secret_name',
              'version',
              'provider',
              'change_type',
              'created_at as rotated_at',
              'created_by as rotated_by',
              'request_id',
            ])
            .where('change_type', 'in', ['rotate', 'rollback']),
        )
        .execute();
    },
  };
}

/** Version 4: grant and revoke entries name the grantee and the permission. */
function permissionChanges(): Migration {
  return {
    async up(db: AnyDb) {
      for (const column of ['granted_to', 'permission'])
        await db.schema.alterTable('secret_access_log').addColumn(column, 'text').execute();
      // PostgreSQL fixes a view's `select *` columns when the view is created: recreate the views
      // over the log (as version 3 defined them) so that they show the new columns too.
      await db.schema.dropView('recent_access_log').execute();
      await db.schema.dropView('failed_access_attempts').execute();
      await db.schema
        .createView('recent_access_log')
        .as(db.selectFrom('secret_access_log').selectAll().orderBy('id', 'desc').limit(1000))
        .execute();
      await db.schema
        .createView('failed_access_attempts')
        .as(db.selectFrom('secret_access_log').selectAll().where('success', '=', 0))
        .execute();
    },
  };
}

/**
 * Version 5: instants stored as SQLite's datetime() text (`2026-05-01 10:00:00.000Z`) instead of
 * ISO text with a `T`, so that hand-written SQL (`timestamp >= datetime('now', '-24 hours')`)
 * compares correctly. Existing rows are rewritten; the views comparing with "now" follow.
 */
function timeText(dialect: SqlDialectName): Migration {
  return {
    async up(db: AnyDb) {
      for (const [table, columns] of Object.entries(TIME_COLUMNS))
        for (const column of columns)
          await db
            .updateTable(table)
            .set({ [column]: sql`replace(${sql.ref(column)}, 'T', ' ')` })
            .where(column, 'like', '%T%')
            .execute();
      const now = nowDb(dialect);
      await db.schema.dropView('active_secrets').execute();
      await db.schema.dropView('active_permissions').execute();
      await db.schema
        .createView('active_secrets')
        .as(
          db
            .selectFrom('secrets')
            .selectAll()
            .where('deleted', '=', 0)
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
        )
        .execute();
      await db.schema
        .createView('active_permissions')
        .as(
          db
            .selectFrom('secret_permissions')
            .selectAll()
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
        )
        .execute();
    },
  };
}

/** The migrations by name, in order: each one written once for both dialects. */
export function buildMigrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '001_initial': initialTables(dialect),
    '002_request_context_versions_keys': requestContextVersionsKeys(dialect),
    '003_views': views(dialect),
    '004_permission_changes': permissionChanges(),
    '005_time_text': timeText(dialect),
  };
}

export function createMigrator(db: AnyDb, dialect: SqlDialectName, migrationTableSchema?: string): Migrator {
  const migrations = buildMigrations(dialect);
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

/** Runs pending migrations up to `target` (default: the latest); throws with a clear message on failure. */
export async function migrate(db: AnyDb, dialect: SqlDialectName, target?: string): Promise<void> {
  // On PostgreSQL, Kysely looks for its bookkeeping tables in any schema: pin them to the schema
  // this connection writes to (its search_path), so two audit schemas in one database stay apart.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = createMigrator(db, dialect, schema);
  const { error } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /corrupted migrations|missing/i.test(reason)
      ? ' (the database was written by a newer @hush/audit-sqlite: upgrade this one)'
      : '';
    throw new Error(`audit database migration failed: ${reason}${hint}`, { cause: error });
  }
}
