import type {
  Permission,
  PermissionFilter,
  PermissionGrant,
  PermissionMatch,
  PermissionStore,
  Scope,
} from '@hush/core';
import type { Kysely } from 'kysely';
import type { AuditDatabase, PermissionRow } from './schema.js';
import { fromDbTime, toDbTime, toDbTimeOrNull } from './time.js';

/** @deprecated the same as `Permission` of `@hush/core`. */
export type StoredPermission = Permission;
/** @deprecated the same as `Scope` of `@hush/core`. */
export type StoredScope = Scope;
/** @deprecated the same as `PermissionGrant` of `@hush/core`. */
export type StoredGrant = PermissionGrant;
/** @deprecated the same as `PermissionFilter` of `@hush/core`. */
export type StoredGrantFilter = PermissionFilter;
/** @deprecated the same as `PermissionMatch` of `@hush/core`. */
export type StoredGrantMatch = PermissionMatch;

function toGrant(row: PermissionRow): PermissionGrant {
  return {
    secret: row.secret_id,
    accessor: row.granted_to,
    permission: row.permission as Permission,
    scope: row.scope as Scope,
    grantedAt: fromDbTime(row.granted_at),
    ...(row.granted_by !== null ? { grantedBy: row.granted_by } : {}),
    ...(row.expires_at !== null ? { expiresAt: fromDbTime(row.expires_at) } : {}),
  };
}

function toRow(grant: PermissionGrant) {
  return {
    secret_id: grant.secret,
    granted_to: grant.accessor,
    permission: grant.permission,
    scope: grant.scope,
    granted_at: toDbTime(grant.grantedAt),
    granted_by: grant.grantedBy ?? null,
    expires_at: toDbTimeOrNull(grant.expiresAt),
  };
}

/**
 * Grants in the `secret_permissions` table, shared by every process that opens the same
 * database. Works on any dialect the audit log runs on (SQLite or PostgreSQL).
 */
export class SqlitePermissionStore implements PermissionStore {
  constructor(
    readonly db: Kysely<AuditDatabase>,
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {}

  async list(filter: PermissionFilter = {}): Promise<PermissionGrant[]> {
    await this.ready;
    let q = this.db.selectFrom('secret_permissions').selectAll();
    if (filter.secret !== undefined) q = q.where('secret_id', '=', filter.secret);
    if (filter.accessor !== undefined) q = q.where('granted_to', '=', filter.accessor);
    return (await q.orderBy('id').execute()).map(toGrant);
  }

  async put(grant: PermissionGrant): Promise<void> {
    await this.ready;
    const row = toRow(grant);
    await this.db
      .insertInto('secret_permissions')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['secret_id', 'granted_to', 'permission', 'scope']).doUpdateSet({
          granted_at: row.granted_at,
          granted_by: row.granted_by,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  async remove(match: PermissionMatch): Promise<number> {
    await this.ready;
    let q = this.db
      .deleteFrom('secret_permissions')
      .where('secret_id', '=', match.secret)
      .where('granted_to', '=', match.accessor);
    if (match.permission !== undefined) q = q.where('permission', '=', match.permission);
    if (match.scope !== undefined) q = q.where('scope', '=', match.scope);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  async replaceAll(grants: PermissionGrant[]): Promise<void> {
    await this.ready;
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('secret_permissions').execute();
      for (let start = 0; start < grants.length; start += 500)
        await trx
          .insertInto('secret_permissions')
          .values(grants.slice(start, start + 500).map(toRow))
          .execute();
    });
  }
}
