import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AuditWriteError, auditSqlite, openAuditSqlite, SCHEMA_VERSION } from '../src/index.js';
import { migrate } from '../src/migrations.js';
import { daysAgo, event, tempDir } from './helpers.js';

function refuseInserts(path: string) {
  // A second connection adds a trigger that aborts every insert: a stand-in for a full disk.
  const other = new Database(path);
  other.exec(
    `CREATE TRIGGER refuse BEFORE INSERT ON secret_access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
  );
  return () => {
    other.exec('DROP TRIGGER refuse');
    other.close();
  };
}

describe('sqlite file', () => {
  it('opens in WAL mode, creates the folder and a 0600 file, and records the schema version', async () => {
    const path = join(tempDir(), 'nested', 'folder', 'audit.db');
    const log = await openAuditSqlite({ path });
    await log.after(event());
    await log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const names = raw.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
    expect(names).toHaveLength(SCHEMA_VERSION);
    const objects = raw
      .prepare(
        "SELECT type || ':' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'idx_%' AND name NOT LIKE 'kysely_%' ORDER BY 1",
      )
      .pluck()
      .all();
    expect(objects).toEqual([
      'table:encryption_keys',
      'table:secret_access_log',
      'table:secret_permissions',
      'table:secret_versions',
      'table:secrets',
      'view:active_permissions',
      'view:active_secrets',
      'view:failed_access_attempts',
      'view:recent_access_log',
      'view:rotation_history',
    ]);
    raw.close();
  });

  it('migrates a database created at schema version 1 and keeps its data', async () => {
    const path = join(tempDir(), 'v1.db');
    // What version 1 of this package left on disk: its migration only, and rows in its columns.
    const sqlite = new Database(path);
    chmodSync(path, 0o600);
    const v1 = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrate(v1, 'sqlite', '001_initial');
    sqlite
      .prepare(
        'INSERT INTO secret_access_log (timestamp, operation, secret_name, provider, accessor, success, error_code, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(daysAgo(1).toISOString(), 'get', 'db-password', 'local', 'app', 1, null, 2.5);
    sqlite
      .prepare(
        'INSERT INTO secret_access_log (timestamp, operation, secret_name, provider, accessor, success, error_code, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(daysAgo(1).toISOString(), 'get', 'db-password', 'local', 'intruder', 0, 'ACCESS_DENIED', 0.5);
    sqlite
      .prepare(
        'INSERT INTO secrets (name, provider, current_version, created_at, updated_at, expires_at, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)',
      )
      .run('db-password', 'local', '4', daysAgo(100).toISOString(), daysAgo(95).toISOString(), null);
    sqlite
      .prepare(
        'INSERT INTO secret_permissions (secret_id, granted_to, permission, scope, granted_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run('db-*', 'app', 'read', 'global', daysAgo(10).toISOString());
    expect(
      sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'secret_versions'").pluck().get(),
    ).toBe(0);
    await v1.destroy();

    const log = await openAuditSqlite({ path });
    try {
      const entries = await log.bySecret('db-password', { order: 'oldest' });
      expect(entries.map((e) => [e.accessor, e.outcome, e.errorCode])).toEqual([
        ['app', 'success', null],
        ['intruder', 'error', 'ACCESS_DENIED'],
      ]);
      expect(entries[0]).toMatchObject({ requestId: null, scope: null, cached: false, durationMs: 2.5 });
      expect((await log.secretsNotRotated(90)).map((s) => s.name)).toEqual(['db-password']);
      expect(await log.permissionStore().list()).toMatchObject([
        { secret: 'db-*', accessor: 'app', permission: 'read' },
      ]);
      await log.after(
        event({ operation: 'rotate', key: 'db-password', version: '5', requestId: 'after-upgrade' }),
      );
      expect((await log.rotationHistory()).map((r) => r.version)).toEqual(['5']);
      expect((await log.bySecret('db-password'))[0]).toMatchObject({
        requestId: 'after-upgrade',
        outcome: 'success',
      });
    } finally {
      await log.close();
    }
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM kysely_migration').pluck().get()).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('migrates a database at schema version 3: old rows stay, grant entries and their views work', async () => {
    const path = join(tempDir(), 'v3.db');
    const sqlite = new Database(path);
    chmodSync(path, 0o600);
    const v3 = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrate(v3, 'sqlite', '003_views');
    await v3
      .insertInto('secret_access_log')
      .values({
        request_id: 'old-1',
        timestamp: daysAgo(1).toISOString(),
        operation: 'get',
        secret_name: 'db-password',
        accessor: 'intruder',
        success: 0,
        outcome: 'denied',
        error_code: 'ACCESS_DENIED',
        duration_ms: 1,
      })
      .execute();
    await v3.destroy();

    const log = await openAuditSqlite({ path });
    try {
      expect(await log.failures()).toMatchObject([
        { requestId: 'old-1', outcome: 'denied', grantee: null, permission: null },
      ]);
      await log.recordPermissionChange({
        operation: 'grant',
        secretOrPattern: 'db-password',
        accessor: 'app',
        permission: 'read',
        scope: 'global',
        outcome: 'success',
      });
      expect((await log.recent()).map((e) => [e.operation, e.grantee, e.permission])).toEqual([
        ['grant', 'app', 'read'],
        ['get', null, null],
      ]);
      // Version 5 rewrote the old row's ISO text into the datetime() form new rows use.
      const stored = await log.db.selectFrom('secret_access_log').select('timestamp').execute();
      for (const row of stored) expect(row.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await log.close();
    }
  });

  it('the documented raw SQL (audit logging, monitoring) gives the right answers verbatim', async () => {
    const path = join(tempDir(), 'raw-sql.db');
    const log = await openAuditSqlite({ path });
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    for (let i = 0; i < 6; i++)
      await log.after(event({ accessor: 'prober', outcome: 'denied', timestamp: hoursAgo(23) }));
    // Just outside a window but on the same UTC date as its start: where text compares wrongly
    // when the stored form and datetime()'s differ (a `T` sorts after datetime()'s space).
    const sameDayBefore = (start: Date, fallbackHours: number) => {
      const dayStart = new Date(start);
      dayStart.setUTCHours(0, 0, 0, 0);
      return start.getTime() - dayStart.getTime() > 5_000 ? dayStart : hoursAgo(fallbackHours);
    };
    for (let i = 0; i < 6; i++)
      await log.after(
        event({ accessor: 'old-prober', outcome: 'denied', timestamp: sameDayBefore(hoursAgo(24), 30) }),
      );
    for (let i = 0; i < 3; i++)
      await log.after(event({ accessor: 'early', timestamp: sameDayBefore(hoursAgo(1), 2) }));
    for (let i = 0; i < 2; i++) await log.after(event({ accessor: 'app', timestamp: new Date() }));
    const info = (key: string, updatedDaysAgo: number, expiresInDays?: number) => ({
      key,
      version: '1',
      createdAt: daysAgo(400),
      updatedAt: daysAgo(updatedDaysAgo),
      ...(expiresInDays !== undefined
        ? { expiresAt: new Date(Date.now() + expiresInDays * 86_400_000) }
        : {}),
      metadata: {},
      tags: {},
      provider: 'memory',
    });
    await log.syncSecrets([info('soon', 10, 5), info('later', 10, 60), info('stale', 120)]);
    // The "Query audit log" example, through the log itself.
    const failedAttempts = await log.query<{ accessor: string }>(`
      SELECT * FROM secret_access_log
      WHERE success = 0
      AND timestamp >= datetime('now', '-24 hours')
      ORDER BY timestamp DESC
    `);
    expect(failedAttempts.map((r) => r.accessor)).toEqual(Array(6).fill('prober'));
    await log.close();

    const raw = new Database(path, { readonly: true });
    const failed = raw
      .prepare(`SELECT * FROM secret_access_log
        WHERE success = 0
        AND timestamp >= datetime('now', '-24 hours')
        ORDER BY timestamp DESC`)
      .all() as Array<{ accessor: string }>;
    expect(new Set(failed.map((r) => r.accessor))).toEqual(new Set(['prober']));
    expect(
      raw
        .prepare(`SELECT COUNT(*) as access_count
          FROM secret_access_log
          WHERE timestamp >= datetime('now', '-1 hour')
          GROUP BY strftime('%Y-%m-%d %H:00', timestamp)`)
        .all()
        .reduce((sum: number, r) => sum + (r as { access_count: number }).access_count, 0),
    ).toBe(2);
    expect(
      raw
        .prepare(`SELECT accessor, COUNT(*) as failed_attempts
          FROM secret_access_log
          WHERE success = 0
          AND timestamp >= datetime('now', '-24 hours')
          GROUP BY accessor
          HAVING failed_attempts > 5`)
        .all(),
    ).toEqual([{ accessor: 'prober', failed_attempts: 6 }]);
    const expiring = raw
      .prepare(`SELECT name, expires_at,
          julianday(expires_at) - julianday('now') as days_until_expiry
        FROM secrets
        WHERE expires_at IS NOT NULL
        AND days_until_expiry < 30
        ORDER BY days_until_expiry ASC`)
      .all() as Array<{ name: string; days_until_expiry: number }>;
    expect(expiring.map((r) => r.name)).toEqual(['soon']);
    expect(expiring[0]!.days_until_expiry).toBeCloseTo(5, 1);
    const stale = raw
      .prepare(`SELECT name, updated_at,
          julianday('now') - julianday(updated_at) as days_since_update
        FROM secrets
        WHERE days_since_update > 90
        ORDER BY days_since_update DESC`)
      .all() as Array<{ name: string }>;
    expect(stale.map((r) => r.name)).toEqual(['stale']);
    raw.close();
  });

  it('applies retention on open: entries older than retentionDays are gone after a restart', async () => {
    const path = join(tempDir(), 'retention.db');
    const first = await openAuditSqlite({ path, retentionDays: 0 });
    await first.after(event({ key: 'ancient', timestamp: daysAgo(400) }));
    await first.after(event({ key: 'old', timestamp: daysAgo(100) }));
    await first.after(event({ key: 'recent', timestamp: daysAgo(10) }));
    await first.close();
    const second = await openAuditSqlite({ path, retentionDays: 30 });
    expect((await second.entries()).map((e) => e.secretName)).toEqual(['recent']);
    await second.close();
    const kept = await openAuditSqlite({ path, retentionDays: 0 });
    expect(await kept.entries()).toHaveLength(1);
    await kept.close();
  });

  it('refuses a database written by a newer version, with a clear message', async () => {
    const path = join(tempDir(), 'newer.db');
    await (await openAuditSqlite({ path })).close();
    const raw = new Database(path);
    raw
      .prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)')
      .run('999_future', new Date().toISOString());
    raw.close();
    await expect(openAuditSqlite({ path })).rejects.toThrow(/newer @hush\/audit-sqlite/);
  });

  it('two logs on one file (two processes) both migrate and both write', async () => {
    const path = join(tempDir(), 'shared.db');
    const [a, b] = await Promise.all([openAuditSqlite({ path }), openAuditSqlite({ path })]);
    await a.after(event({ accessor: 'a' }));
    await b.after(event({ accessor: 'b' }));
    expect((await a.entries()).map((e) => e.accessor).sort()).toEqual(['a', 'b']);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('failure modes', () => {
  it('fail-closed: the hook rejects with AuditWriteError when the entry cannot be written', async () => {
    const path = join(tempDir(), 'closed.db');
    const log = await openAuditSqlite({ path, failMode: 'closed' });
    try {
      await log.after(event({ key: 'before-failure' }));
      const restore = refuseInserts(path);
      const error = await Promise.resolve(log.after(event({ key: 'during-failure' }))).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuditWriteError);
      expect((error as AuditWriteError).code).toBe('AUDIT_WRITE_FAILED');
      expect((error as Error).message).toContain('disk full');
      expect(log.metrics()).toMatchObject({ writeFailures: 1, droppedEntries: 0 });
      restore();
      await log.after(event({ key: 'after-recovery' }));
      expect((await log.entries()).map((e) => e.secretName)).toEqual(['after-recovery', 'before-failure']);
    } finally {
      await log.close();
    }
  });

  it('fail-open: the operation goes on and the loss is counted', async () => {
    const path = join(tempDir(), 'open.db');
    const log = await openAuditSqlite({ path, failMode: 'open' });
    try {
      const restore = refuseInserts(path);
      expect(log.after(event())).toBeUndefined();
      expect(log.after(event())).toBeUndefined();
      await log.flush();
      expect(log.metrics()).toMatchObject({ writeFailures: 1, droppedEntries: 2, entriesWritten: 0 });
      restore();
      log.after(event());
      await log.flush();
      expect(log.metrics()).toMatchObject({ entriesWritten: 1 });
    } finally {
      await log.close();
    }
  });

  it('fail-closed: before() refuses operations once the log is closed or could not open', async () => {
    const log = await openAuditSqlite({ path: join(tempDir(), 'c.db') });
    await log.close();
    await expect(log.before({ requestId: 'r', operation: 'get', key: 'k' })).rejects.toBeInstanceOf(
      AuditWriteError,
    );
    expect(() => log.after(event())).toThrow(AuditWriteError);

    const folder = tempDir();
    const broken = join(folder, 'broken.db');
    new Database(broken).exec('CREATE TABLE secrets (unrelated TEXT)');
    chmodSync(broken, 0o600);
    const bad = auditSqlite({ path: broken });
    await expect(bad.before({ requestId: 'r', operation: 'get', key: 'k' })).rejects.toThrow(
      /audit log unavailable/,
    );
    await expect(Promise.resolve(bad.after(event()))).rejects.toBeInstanceOf(AuditWriteError);
    await bad.close();

    const open = auditSqlite({ path: broken, failMode: 'open' });
    // Fail-open answers at once (nothing to await): the read goes on without the log.
    expect(await open.before({ requestId: 'r', operation: 'get', key: 'k' })).toBeUndefined();
    open.after(event());
    await open.flush();
    expect(open.metrics().droppedEntries).toBe(1);
    await open.close();
  });

  it('auditLogCallback receives every entry; its errors are counted, never thrown', async () => {
    const seen: string[] = [];
    let calls = 0;
    const log = await openAuditSqlite({
      path: join(tempDir(), 'cb.db'),
      auditLogCallback: async (entry) => {
        calls++;
        if (calls === 2) throw new Error('SIEM down');
        seen.push(`${entry.operation}:${entry.secretName}:${entry.success}`);
      },
    });
    try {
      await log.after(event({ key: 'a' }));
      await log.after(event({ key: 'b' }));
      await log.after(event({ key: 'c', outcome: 'denied' }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual(['get:a:true', 'get:c:false']);
      expect(log.metrics().callbackErrors).toBe(1);
      expect(await log.entries()).toHaveLength(3);
    } finally {
      await log.close();
    }
  });
});

describe('fail mode options', () => {
  it("accepts failMode 'closed'/'open', the names failClosed/failOpen, and failOpen/failClosed flags", async () => {
    const cases: Array<[Parameters<typeof auditSqlite>[0], 'closed' | 'open']> = [
      [{ path: ':memory:' }, 'closed'],
      [{ path: ':memory:', failMode: 'open' }, 'open'],
      [{ path: ':memory:', failMode: 'failOpen' }, 'open'],
      [{ path: ':memory:', failMode: 'failClosed' }, 'closed'],
      [{ path: ':memory:', failOpen: true }, 'open'],
      [{ path: ':memory:', failOpen: false }, 'closed'],
      [{ path: ':memory:', failClosed: true }, 'closed'],
      [{ path: ':memory:', failClosed: false, failMode: 'open' }, 'open'],
    ];
    for (const [options, mode] of cases) {
      const log = auditSqlite(options);
      expect(log.failMode).toBe(mode);
      await log.close();
    }
    expect(() => auditSqlite({ path: ':memory:', failOpen: true, failMode: 'closed' })).toThrow(/contradict/);
    expect(() => auditSqlite({ path: ':memory:', failMode: 'sometimes' as never })).toThrow(/failMode/);
  });
});

describe('batching', () => {
  it('fail-open buffers entries and writes them in few transactions; close flushes the rest', async () => {
    const path = join(tempDir(), 'batch.db');
    const log = await openAuditSqlite({ path, failMode: 'open', batchSize: 500, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i++) log.after(event({ key: `s-${i % 10}` }));
    await log.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM secret_access_log').pluck().get()).toBe(1234);
    raw.close();
    expect(log.metrics()).toMatchObject({ entriesWritten: 1234, writeFailures: 0 });
    expect(log.metrics().batches).toBeLessThanOrEqual(4);
  });

  it('fail-open writes a partial buffer after the flush interval', async () => {
    const log = await openAuditSqlite({
      path: join(tempDir(), 'timer.db'),
      failMode: 'open',
      flushIntervalMs: 5,
    });
    try {
      log.after(event());
      await expect.poll(() => log.metrics().entriesWritten, { timeout: 5000 }).toBe(1);
    } finally {
      await log.close();
    }
  });

  it('fail-closed commits concurrent operations together (group commit)', async () => {
    const log = await openAuditSqlite({ path: join(tempDir(), 'group.db') });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => log.after(event({ key: `k-${i}` }))));
      expect(log.metrics()).toMatchObject({ entriesWritten: 200 });
      expect(log.metrics().batches).toBeLessThanOrEqual(2);
    } finally {
      await log.close();
    }
  });

  it('in-memory databases work too (no file)', async () => {
    const log = await openAuditSqlite({ path: ':memory:' });
    await log.after(event());
    expect(await log.entries()).toHaveLength(1);
    await log.close();
    expect(existsSync(':memory:')).toBe(false);
  });
});

describe('sqlite file permissions', () => {
  it('refuses an existing database that group or others can access, with the chmod hint', () => {
    const path = join(tempDir(), 'loose.db');
    writeFileSync(path, '', { mode: 0o666 });
    chmodSync(path, 0o666);
    expect(() => auditSqlite({ path })).toThrow(/accessible by group or others \(mode 0666\)/);
    try {
      auditSqlite({ path });
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain(`chmod 600 ${path}`);
    }
  });
});
