import type { Kysely } from 'kysely';
import type { AuditDatabase, PermissionRow } from './schema.js';
import { fromDbTime, toDbTime, toDbTimeOrNull } from './time.js';

/*
 * These shapes match `@hush/rbac`'s PermissionStore structurally. This package does not import
 * rbac (each depends on core alone): pass the store in, `new SecretAccessControl({ store })`.
 */
export type StoredPermission = 'read' | 'write' | 'delete' | 'rotate' | 'admin';
export type StoredScope = 'global' | 'plugin' | 'agent' | 'user';

export interface StoredGrant {
  secret: string;
  accessor: string;
  permission: StoredPermission;
  scope: StoredScope;
  grantedAt: Date;
  grantedBy?: string;
  expiresAt?: Date;
}

export interface StoredGrantFilter {
  secret?: string;
  accessor?: string;
}

export interface StoredGrantMatch {
  secret: string;
  accessor: string;
  permission?: StoredPermission;
  scope?: StoredScope;
}

function toGrant(row: PermissionRow): StoredGrant {
  return {
    secret: row.secret_id,
    accessor: row.granted_to,
    permission: row.permission as StoredPermission,
    scope: row.scope as StoredScope,
    grantedAt: fromDbTime(row.granted_at),
    ...(row.granted_by !== null ? { grantedBy: row.granted_by } : {}),
    ...(row.expires_at !== null ? { expiresAt: fromDbTime(row.expires_at) } : {}),
  };
}

function toRow(grant: StoredGrant) {
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
 * Grants in the `secret_permissions` table (seed 000), shared by every process that opens the same
 * database. Works on any dialect the audit log runs on (SQLite or PostgreSQL).
 */
export class SqlitePermissionStore {
  constructor(
    readonly db: Kysely<AuditDatabase>,
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {}

  async list(filter: StoredGrantFilter = {}): Promise<StoredGrant[]> {
    await this.ready;
    let q = this.db.selectFrom('secret_permissions').selectAll();
    if (filter.secret !== undefined) q = q.where('secret_id', '=', filter.secret);
    if (filter.accessor !== undefined) q = q.where('granted_to', '=', filter.accessor);
    return (await q.orderBy('id').execute()).map(toGrant);
  }

  async put(grant: StoredGrant): Promise<void> {
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

  async remove(match: StoredGrantMatch): Promise<number> {
    await this.ready;
    let q = this.db
      .deleteFrom('secret_permissions')
      .where('secret_id', '=', match.secret)
      .where('granted_to', '=', match.accessor);
    if (match.permission !== undefined) q = q.where('permission', '=', match.permission);
    if (match.scope !== undefined) q = q.where('scope', '=', match.scope);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  async replaceAll(grants: StoredGrant[]): Promise<void> {
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
