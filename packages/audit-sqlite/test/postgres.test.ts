import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditWriteError, openAuditPostgres } from '../src/index.js';
import { event } from './helpers.js';
import { describeAuditBackend } from './suite.js';

const url = process.env.HUSH_TEST_POSTGRES_URL;
if (!url) console.log('postgres audit tests skipped: set HUSH_TEST_POSTGRES_URL to run against a real PostgreSQL (scripts/ci-postgres.sh starts one)');

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
      for (const relation of ['secrets', 'secret_access_log', 'secret_permissions', 'encryption_keys', 'secret_versions',
        'active_secrets', 'recent_access_log', 'failed_access_attempts', 'active_permissions', 'rotation_history'])
        await expect(log.db.selectFrom(relation as 'secrets').selectAll().limit(1).execute()).resolves.toBeDefined();
      const applied = await log.db.selectFrom('kysely_migration' as 'secrets').select('name' as never).execute();
      expect(applied).toHaveLength(3);
    } finally {
      await log.close();
    }
  });

  it('fails closed when an entry cannot be written', async () => {
    const log = await freshLog();
    try {
      await log.after(event());
      // A constraint no row satisfies stands in for a full disk or a lost connection.
      await log.db.deleteFrom('secret_access_log').execute();
      await log.db.schema.alterTable('secret_access_log').addCheckConstraint('refuse_all', sql`false`).execute();
      await expect(log.after(event())).rejects.toBeInstanceOf(AuditWriteError);
      expect(log.metrics().writeFailures).toBe(1);
    } finally {
      await log.close();
    }
  });
});
