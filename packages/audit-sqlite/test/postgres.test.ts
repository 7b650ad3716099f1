import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditWriteError, openAuditPostgres, SCHEMA_VERSION } from '../src/index.js';
import { migrate } from '../src/migrations.js';
import { event } from './helpers.js';
import { describeAuditBackend } from './suite.js';

const url = process.env.HUSH_TEST_POSTGRES_URL;
if (!url)
  console.log(
    'postgres audit tests skipped: set HUSH_TEST_POSTGRES_URL to run against a real PostgreSQL (scripts/ci-postgres.sh starts one)',
  );

// Each log gets a schema of its own, so runs never see each other's rows.
const schemas: string[] = [];
async function freshLog(options: { failMode?: 'closed' | 'open' } = {}) {
  const schema = `hush_audit_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  schemas.push(schema);
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
  return openAuditPostgres({ pool, ...options });
}

describe.skipIf(!url)('postgres', () => {
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  describeAuditBackend('postgres', () => freshLog());

  it('runs the same migrations: every table and view exists, migrations recorded', async () => {
    const log = await freshLog();
    try {
      for (const relation of [
        'secrets',
        'secret_access_log',
        'secret_permissions',
        'encryption_keys',
        'secret_versions',
        'active_secrets',
        'recent_access_log',
        'failed_access_attempts',
        'active_permissions',
        'rotation_history',
      ])
        await expect(
          log.db
            .selectFrom(relation as 'secrets')
            .selectAll()
            .limit(1)
            .execute(),
        ).resolves.toBeDefined();
      const applied = await log.db
        .selectFrom('kysely_migration' as 'secrets')
        .select('name' as never)
        .execute();
      expect(applied).toHaveLength(SCHEMA_VERSION);
    } finally {
      await log.close();
    }
  });

  it('migrates a schema-version-1 database and keeps its data', async () => {
    const schema = `hush_audit_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    schemas.push(schema);
    const poolFor = () => new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 2 });
    const v1 = new Kysely<any>({ dialect: new PostgresDialect({ pool: poolFor() }) });
    await migrate(v1, 'postgres', '001_initial');
    await v1
      .insertInto('secret_access_log')
      .values({
        timestamp: new Date().toISOString(),
        operation: 'get',
        secret_name: 'old',
        accessor: 'app',
        success: 0,
        error_code: 'ACCESS_DENIED',
        duration_ms: 1,
      })
      .execute();
    await v1.destroy();
    const log = await openAuditPostgres({ pool: poolFor() });
    try {
      expect((await log.bySecret('old'))[0]).toMatchObject({
        accessor: 'app',
        outcome: 'error',
        errorCode: 'ACCESS_DENIED',
        cached: false,
      });
      await log.after(event({ operation: 'rotate', key: 'old', version: '2' }));
      expect((await log.rotationHistory('old')).map((r) => r.version)).toEqual(['2']);
    } finally {
      await log.close();
    }
  });

  it('migrates a schema-version-3 database: grant entries, recreated views, rewritten times', async () => {
    const schema = `hush_audit_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    schemas.push(schema);
    const poolFor = () => new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 2 });
    const v3 = new Kysely<any>({ dialect: new PostgresDialect({ pool: poolFor() }) });
    await migrate(v3, 'postgres', '003_views');
    await v3
      .insertInto('secret_access_log')
      .values({
        timestamp: new Date().toISOString(),
        operation: 'get',
        secret_name: 'old',
        accessor: 'intruder',
        success: 0,
        outcome: 'denied',
        duration_ms: 1,
      })
      .execute();
    await v3.destroy();
    const log = await openAuditPostgres({ pool: poolFor() });
    try {
      await log.recordPermissionChange({
        operation: 'revoke',
        secretOrPattern: 'old',
        accessor: 'app',
        permission: 'read',
        actor: 'intern',
        outcome: 'denied',
        errorCode: 'ACCESS_DENIED',
      });
      expect((await log.failures()).map((e) => [e.operation, e.accessor, e.grantee, e.permission])).toEqual([
        ['revoke', 'intern', 'app', 'read'],
        ['get', 'intruder', null, null],
      ]);
      // Version 5 rewrote the old row's ISO text into the form new rows use.
      const stored = await log.db.selectFrom('secret_access_log').select('timestamp').execute();
      for (const row of stored) expect(row.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await log.close();
    }
  });

  it('opens from a connection string (loading pg itself), in the schema its search_path names', async () => {
    const schema = `hush_audit_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    schemas.push(schema);
    const separator = url!.includes('?') ? '&' : '?';
    const log = await openAuditPostgres({
      connectionString: `${url}${separator}options=-c%20search_path%3D${schema}`,
    });
    try {
      await log.after(event({ key: 'from-url' }));
      expect((await log.entries()).map((e) => e.secretName)).toEqual(['from-url']);
      const tables = await admin.query(
        'select table_name from information_schema.tables where table_schema = $1',
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toContain('secret_access_log');
    } finally {
      await log.close();
      await admin.end();
    }
  });

  it('fails closed when an entry cannot be written', async () => {
    const log = await freshLog();
    try {
      await log.after(event());
      // A constraint no row satisfies stands in for a full disk or a lost connection.
      await log.db.deleteFrom('secret_access_log').execute();
      await log.db.schema
        .alterTable('secret_access_log')
        .addCheckConstraint('refuse_all', sql`false`)
        .execute();
      await expect(log.after(event())).rejects.toBeInstanceOf(AuditWriteError);
      expect(log.metrics().writeFailures).toBe(1);
    } finally {
      await log.close();
    }
  });
});
