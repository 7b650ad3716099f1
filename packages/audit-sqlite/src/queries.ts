import { type Duration, parseDuration, type SecretInfo, ValidationError } from '@hush/core';
import { type Kysely, sql } from 'kysely';
import { type AuditEntry, entryFromRow } from './entry.js';
import type { AuditQuery } from './options.js';
import type {
  AccessorFailures,
  AccessRate,
  EncryptionKeyRecord,
  ExpiringSecret,
  RotationRecord,
  SecretMetadata,
  StaleSecret,
} from './records.js';
import type { AuditDatabase } from './schema.js';
import { fromDbTime, fromDbTimeOrNull, toDbTime, toDbTimeOrNull } from './time.js';

const DAY_MS = 86_400_000;

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

function instant(value: Date | Duration, field: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(`${field}: invalid date`);
    return toDbTime(value);
  }
  return toDbTime(new Date(Date.now() - parseDuration(value)));
}

/**
 * The typed query API over what the audit log recorded: entries, failures, rates, the secrets
 * metadata, rotations and keys. `AuditLog` extends it; each query first settles what is buffered.
 */
export abstract class AuditQueries {
  abstract readonly db: Kysely<AuditDatabase>;
  abstract readonly ready: Promise<void>;
  abstract readonly retentionDays: number;

  /** Makes every entry recorded so far visible to a query. */
  protected abstract settled(): Promise<void>;

  /**
   * Runs your own SQL text (a `db.query(...)` of your own) after writing what is buffered, and returns
   * its rows as the database gives them (timestamps as stored text). For queries built from input,
   * use the typed `audit.db` (Kysely) instead: this runs the text as given.
   */
  async query<Row = Record<string, unknown>>(text: string): Promise<Row[]> {
    if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('query: expected SQL text');
    await this.settled();
    return (await sql.raw<Row>(text).execute(this.db)).rows;
  }

  /** Entries matching every given filter, newest first by default. Buffered entries are written first. */
  async entries(query: AuditQuery = {}): Promise<AuditEntry[]> {
    await this.settled();
    let q = this.db.selectFrom('secret_access_log').selectAll();
    if (query.secret !== undefined) q = q.where('secret_name', '=', query.secret);
    if (query.accessor !== undefined) q = q.where('accessor', '=', query.accessor);
    if (query.grantee !== undefined) q = q.where('granted_to', '=', query.grantee);
    if (query.operation !== undefined) q = q.where('operation', '=', query.operation);
    if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
    if (query.failedOnly) q = q.where('success', '=', 0);
    if (query.since !== undefined) q = q.where('timestamp', '>=', instant(query.since, 'since'));
    if (query.until !== undefined) q = q.where('timestamp', '<=', instant(query.until, 'until'));
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
    await this.settled();
    let q = this.db.selectFrom('failed_access_attempts').selectAll();
    if (query.since !== undefined) q = q.where('timestamp', '>=', instant(query.since, 'since'));
    if (query.until !== undefined) q = q.where('timestamp', '<=', instant(query.until, 'until'));
    const rows = await q
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.max(1, query.limit ?? 100))
      .execute();
    return rows.map(entryFromRow);
  }

  /** The last 1000 entries: the `recent_access_log` view. */
  async recent(): Promise<AuditEntry[]> {
    await this.settled();
    const rows = await this.db.selectFrom('recent_access_log').selectAll().orderBy('id', 'desc').execute();
    return rows.map(entryFromRow);
  }

  /** Accessors with more than `threshold` failures within `window` (the usual alert: more than 5 in 24 h). */
  async accessorsWithFailures(
    options: { threshold?: number; window?: Duration } = {},
  ): Promise<AccessorFailures[]> {
    await this.settled();
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
    await this.settled();
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
    await this.settled();
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
    await this.settled();
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
    await this.settled();
    const cutoff = toDbTime(new Date(Date.now() - days * DAY_MS));
    const result = await this.db
      .deleteFrom('secret_access_log')
      .where('timestamp', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Secret metadata (never values). Live, non-expired ones only unless `includeDeleted`. */
  async secrets(options: { includeDeleted?: boolean } = {}): Promise<SecretMetadata[]> {
    await this.settled();
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
    await this.settled();
    await this.syncInfos(infos);
  }

  /** Upserts listing metadata into `secrets` (the database must be ready). */
  protected async syncInfos(infos: SecretInfo[]): Promise<void> {
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
    await this.settled();
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
    await this.settled();
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
    await this.settled();
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
}
