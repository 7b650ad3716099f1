import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntry, changedMetadata, logValues, metadataChange } from './entry.js';
import type { AuditDatabase } from './schema.js';
import { toDbTime } from './time.js';

/** Writes one batch of entries, and the metadata they imply, in one transaction. */
export interface BatchWriter {
  write(entries: AuditEntry[]): Promise<void>;
}

const LOG_COLUMNS: ReadonlyArray<keyof ReturnType<typeof logValues>> = [
  'request_id',
  'timestamp',
  'operation',
  'secret_name',
  'provider',
  'accessor',
  'scope',
  'version',
  'pattern',
  'success',
  'outcome',
  'error_code',
  'duration_ms',
  'cached',
  'granted_to',
  'permission',
];

// The same statements serve SQLite (prepared once here) and read as the Kysely writer's below.
// Expiry and tags are set when the write's change names them (`@expires_set`, `@tags_set`: a
// write without an expiry clears it), kept otherwise.
const UPSERT_SECRET = `
  INSERT INTO secrets (name, provider, scope, current_version, created_at, updated_at, last_rotated_at, expires_at, tags, deleted, deleted_at)
  VALUES (@name, @provider, @scope, @version, @at, @at, @rotated_at, @expires_at, @tags, 0, NULL)
  ON CONFLICT (name) DO UPDATE SET
    provider = coalesce(excluded.provider, secrets.provider),
    scope = coalesce(excluded.scope, secrets.scope),
    current_version = coalesce(excluded.current_version, secrets.current_version),
    created_at = CASE WHEN secrets.deleted = 1 THEN excluded.created_at ELSE secrets.created_at END,
    updated_at = excluded.updated_at,
    last_rotated_at = coalesce(excluded.last_rotated_at, secrets.last_rotated_at),
    expires_at = CASE WHEN @expires_set = 1 THEN excluded.expires_at ELSE secrets.expires_at END,
    tags = CASE WHEN @tags_set = 1 THEN excluded.tags ELSE secrets.tags END,
    deleted = 0,
    deleted_at = NULL`;

const MARK_DELETED = `
  INSERT INTO secrets (name, provider, scope, created_at, updated_at, deleted, deleted_at)
  VALUES (@name, @provider, @scope, @at, @at, 1, @at)
  ON CONFLICT (name) DO UPDATE SET deleted = 1, deleted_at = excluded.deleted_at, updated_at = excluded.updated_at`;

/**
 * SQLite: prepared statements, one synchronous transaction per batch. better-sqlite3 runs on the
 * calling thread, so a batch of hundreds of rows costs tens of microseconds per row at most.
 */
export class SqliteBatchWriter implements BatchWriter {
  readonly #sqlite: BetterSqlite3.Database;
  readonly #run: (entries: AuditEntry[]) => void;

  constructor(sqlite: BetterSqlite3.Database) {
    this.#sqlite = sqlite;
    const insertLog = sqlite.prepare(
      `INSERT INTO secret_access_log (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map(() => '?').join(', ')})`,
    );
    const upsertSecret = sqlite.prepare(UPSERT_SECRET);
    const markDeleted = sqlite.prepare(MARK_DELETED);
    const isLive = sqlite.prepare('SELECT 1 FROM secrets WHERE name = ? AND deleted = 0').pluck();
    const insertVersion = sqlite.prepare(
      `INSERT INTO secret_versions (secret_name, version, provider, change_type, created_at, created_by, request_id)
       VALUES (@secret_name, @version, @provider, @change_type, @created_at, @created_by, @request_id)`,
    );
    this.#run = sqlite.transaction((entries: AuditEntry[]) => {
      for (const entry of entries) {
        // Positional binding: the hot path, measurably cheaper than named parameters.
        insertLog.run(
          entry.requestId,
          toDbTime(entry.timestamp),
          entry.operation,
          entry.secretName,
          entry.provider,
          entry.accessor,
          entry.scope,
          entry.version,
          entry.pattern,
          entry.success ? 1 : 0,
          entry.outcome,
          entry.errorCode,
          entry.durationMs,
          entry.cached ? 1 : 0,
          entry.grantee,
          entry.permission,
        );
        const change = metadataChange(entry);
        if (!change) continue;
        const at = toDbTime(entry.timestamp);
        const changeType = change === 'write' ? (isLive.get(entry.secretName) ? 'update' : 'create') : change;
        const params = { name: entry.secretName, provider: entry.provider, scope: entry.scope, at };
        const changed = changedMetadata(entry, at);
        if (change === 'delete') markDeleted.run(params);
        else upsertSecret.run({ ...changed, name: entry.secretName, provider: entry.provider });
        insertVersion.run({
          secret_name: entry.secretName,
          version: changed.version,
          provider: entry.provider,
          change_type: changeType,
          created_at: at,
          created_by: entry.accessor,
          request_id: entry.requestId,
        });
      }
    });
  }

  async write(entries: AuditEntry[]): Promise<void> {
    // A Kysely transaction (permission import) may hold the connection open between awaits; writing
    // now would fold these rows into it, so wait until it ends.
    while (this.#sqlite.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    this.#run(entries);
  }
}

/** Any Kysely dialect (PostgreSQL): one multi-row insert plus metadata upserts per transaction. */
export class KyselyBatchWriter implements BatchWriter {
  constructor(readonly db: Kysely<AuditDatabase>) {}

  async write(entries: AuditEntry[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // PostgreSQL takes at most 65535 parameters per statement: 16 columns per row.
      for (let start = 0; start < entries.length; start += 2000)
        await trx
          .insertInto('secret_access_log')
          .values(entries.slice(start, start + 2000).map(logValues))
          .execute();
      for (const entry of entries) await this.#metadata(trx, entry);
    });
  }

  async #metadata(trx: Transaction<AuditDatabase>, entry: AuditEntry): Promise<void> {
    const change = metadataChange(entry);
    if (!change || entry.secretName === null) return;
    const at = toDbTime(entry.timestamp);
    const name = entry.secretName;
    let changeType: string = change;
    if (change === 'delete') await markDeleted(trx, entry, name, at);
    else changeType = await upsertSecret(trx, entry, name, at, change);
    await trx
      .insertInto('secret_versions')
      .values({
        secret_name: name,
        version: entry.change?.version ?? entry.version,
        provider: entry.provider,
        change_type: changeType,
        created_at: at,
        created_by: entry.accessor,
        request_id: entry.requestId,
      })
      .execute();
  }
}

/** A delete: the secret's row marked deleted (created when the log never saw the secret before). */
async function markDeleted(
  trx: Transaction<AuditDatabase>,
  entry: AuditEntry,
  name: string,
  at: string,
): Promise<void> {
  await trx
    .insertInto('secrets')
    .values({
      name,
      provider: entry.provider,
      scope: entry.scope,
      created_at: at,
      updated_at: at,
      deleted: 1,
      deleted_at: at,
    })
    .onConflict((oc) => oc.column('name').doUpdateSet({ deleted: 1, deleted_at: at, updated_at: at }))
    .execute();
}

/**
 * A write, rotation or rollback: the secret's row with what the change says, fields it leaves
 * out kept; a write to a deleted secret recreates it. Returns the version's change type.
 */
async function upsertSecret(
  trx: Transaction<AuditDatabase>,
  entry: AuditEntry,
  name: string,
  at: string,
  change: string,
): Promise<string> {
  let changeType = change;
  if (change === 'write') {
    const live = await trx
      .selectFrom('secrets')
      .select('name')
      .where('name', '=', name)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    changeType = live ? 'update' : 'create';
  }
  const changed = changedMetadata(entry, at);
  await trx
    .insertInto('secrets')
    .values({
      name,
      provider: entry.provider,
      scope: changed.scope,
      current_version: changed.version,
      created_at: at,
      updated_at: at,
      last_rotated_at: changed.rotated_at,
      expires_at: changed.expires_at,
      tags: changed.tags,
      deleted: 0,
      deleted_at: null,
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({
        provider: eb.fn.coalesce('excluded.provider', 'secrets.provider'),
        scope: eb.fn.coalesce('excluded.scope', 'secrets.scope'),
        current_version: eb.fn.coalesce('excluded.current_version', 'secrets.current_version'),
        created_at: eb
          .case()
          .when('secrets.deleted', '=', 1)
          .then(eb.ref('excluded.created_at'))
          .else(eb.ref('secrets.created_at'))
          .end(),
        updated_at: eb.ref('excluded.updated_at'),
        last_rotated_at: eb.fn.coalesce('excluded.last_rotated_at', 'secrets.last_rotated_at'),
        ...(changed.expires_set ? { expires_at: eb.ref('excluded.expires_at') } : {}),
        ...(changed.tags_set ? { tags: eb.ref('excluded.tags') } : {}),
        deleted: 0,
        deleted_at: null,
      })),
    )
    .execute();
  return changeType;
}
