import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
// Test-only, by path: the package itself never imports @hush/rbac. Assigning the store to rbac's
// PermissionStore type below is the check that the two shapes match.
import {
  type PermissionChangeSink,
  type PermissionStore,
  SecretAccessControl,
} from '../../rbac/src/index.js';
import { AuditWriteError, openAuditSqlite } from '../src/index.js';
import { tempDir } from './helpers.js';

function planted(label: string): string {
  return `PLANTED-${label}-${randomBytes(12).toString('hex')}`;
}

function encodings(value: string): Buffer[] {
  return [
    Buffer.from(value, 'utf8'),
    Buffer.from(value, 'utf16le'),
    Buffer.from(Buffer.from(value).toString('base64')),
    Buffer.from(Buffer.from(value).toString('hex')),
  ];
}

describe('through a SecretManager', () => {
  it('records every operation, never a value: not in any row, not in the database or WAL bytes', async () => {
    const folder = tempDir();
    const path = join(folder, 'audit.db');
    const log = await openAuditSqlite({ path });
    const values = ['first', 'second', 'rotated', 'json-field', 'other'].map(planted);
    const [first, second, rotated, jsonField, other] = values as [string, string, string, string, string];
    const manager = new SecretManager({
      providers: [new MemoryProvider({ name: 'memory', secrets: { 'seeded/token': other } })],
      plugins: [log],
    });
    await manager.initialize();

    await manager.setSecret('db-password', first, { actor: 'admin', scope: 'plugin' });
    await manager.setSecret('db-password', second, { actor: 'admin' });
    await manager.setSecret('app/config', JSON.stringify({ token: jsonField }), { actor: 'admin' });
    expect((await manager.getSecret('db-password', { accessor: 'app' }))?.value).toBe(second);
    expect((await manager.getSecret('db-password', { accessor: 'app' }))?.value).toBe(second);
    await manager.getSecret('app/config#token', { accessor: 'app' });
    await manager.getSecrets(['db-password', 'seeded/token', 'missing'], { accessor: 'batch' });
    await manager.rotateSecret('db-password', { newValue: rotated, actor: 'rotator' });
    await manager.getSecretVersion('db-password', 1, { accessor: 'auditor' });
    await manager.getSecretVersions('db-password', { accessor: 'auditor' });
    await manager.rollbackSecret('db-password', 2, { actor: 'admin' });
    expect(
      await manager.resolve({ url: 'x://${secret:db-password}@host' }, { accessor: 'renderer' }),
    ).toEqual({ url: `x://${second}@host` });
    await manager.listSecrets({ accessor: 'lister', pattern: 'db-*' });
    await manager.getSecret('missing', { accessor: 'app' });
    await manager.deleteSecret('app/config', { actor: 'admin' });

    const entries = await log.entries({ limit: 1000, order: 'oldest' });
    expect(entries.map((e) => `${e.operation}:${e.secretName ?? '-'}:${e.outcome}`)).toEqual([
      'set:db-password:success',
      'set:db-password:success',
      'set:app/config:success',
      'get:db-password:success',
      'get:db-password:success',
      'get:app/config:success',
      'get:db-password:success',
      'get:seeded/token:success',
      'get:missing:not_found',
      'rotate:db-password:success',
      'getVersion:db-password:success',
      'listVersions:db-password:success',
      'rollback:db-password:success',
      'get:db-password:success',
      'resolve:-:success',
      'list:-:success',
      'get:missing:not_found',
      'delete:app/config:success',
    ]);
    expect(entries[0]).toMatchObject({
      accessor: 'admin',
      scope: 'plugin',
      provider: 'memory',
      version: '1',
    });
    expect(entries[3]!.cached).toBe(false);
    expect(entries[4]!.cached).toBe(true);
    expect(entries[9]).toMatchObject({ accessor: 'rotator', version: '3' });
    expect(entries[15]).toMatchObject({ accessor: 'lister', pattern: 'db-*' });
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(entries.length);
    for (const entry of entries) expect(entry.durationMs).toBeGreaterThanOrEqual(0);

    // The rollback (to version 2) wrote version 4: the write's change names the version it made current.
    expect((await log.secrets()).map((s) => [s.name, s.currentVersion])).toEqual([['db-password', '4']]);
    expect((await log.rotationHistory('db-password')).map((r) => [r.changeType, r.version])).toEqual([
      ['rollback', '4'],
      ['rotate', '3'],
    ]);

    // Every text cell of every table, and the raw bytes of the files while the WAL still holds pages.
    const raw = new Database(path, { readonly: true });
    const tables = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    let cells = 0;
    for (const table of tables)
      for (const row of raw.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
        for (const cell of Object.values(row)) {
          cells++;
          for (const value of values) expect(String(cell)).not.toContain(value);
        }
    expect(cells).toBeGreaterThan(100);
    raw.close();
    const files = [path, `${path}-wal`].filter(existsSync);
    expect(files).toContain(`${path}-wal`);
    const scan = () => {
      for (const file of files.filter(existsSync)) {
        const bytes = readFileSync(file);
        for (const value of values)
          for (const encoded of encodings(value)) expect(bytes.includes(encoded)).toBe(false);
      }
    };
    scan();
    await manager.dispose();
    scan();
    expect(readFileSync(path).includes(Buffer.from('db-password'))).toBe(true);
  });

  it('records expiry and tags from the writes themselves, and copies them from listings too', async () => {
    const log = await openAuditSqlite({ path: join(tempDir(), 'sync.db') });
    const manager = new SecretManager({ providers: [new MemoryProvider()], plugins: [log] });
    await manager.setSecret('short-lived', planted('s'), { expiresAt: '5d', tags: { team: 'payments' } });
    await manager.setSecret('long-lived', planted('l'), { expiresAt: '90d' });
    await manager.setSecret('forever', planted('f'));
    expect((await log.expiringSecrets(30)).map((s) => s.name)).toEqual(['short-lived']);
    expect((await manager.listSecrets()).map((s) => s.key)).toEqual(['forever', 'long-lived', 'short-lived']);
    const expiring = await log.expiringSecrets(30);
    expect(expiring.map((s) => s.name)).toEqual(['short-lived']);
    expect((await log.secrets()).find((s) => s.name === 'short-lived')?.tags).toEqual({ team: 'payments' });
    await manager.dispose();
  });

  it('fail-closed: an operation whose entry cannot be written fails; fail-open: it succeeds and is counted', async () => {
    for (const failMode of ['closed', 'open'] as const) {
      const path = join(tempDir(), `${failMode}.db`);
      const log = await openAuditSqlite({ path, failMode });
      const manager = new SecretManager({
        providers: [new MemoryProvider({ secrets: { k: planted('k') } })],
        plugins: [log],
      });
      await manager.initialize();
      const other = new Database(path);
      other.exec(
        `CREATE TRIGGER refuse BEFORE INSERT ON secret_access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
      );
      const read = manager.getSecret('k', { accessor: 'app' });
      if (failMode === 'closed') {
        const error = await read.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AuditWriteError);
        expect(String((error as Error).message)).not.toContain('PLANTED');
      } else {
        expect((await read)?.key).toBe('k');
        await log.flush();
        const metrics = await manager.getMetrics();
        expect(metrics.plugins.audit).toMatchObject({ writeFailures: 1, droppedEntries: 1 });
      }
      other.close();
      await manager.dispose();
    }
  });

  it('rbac with the SQLite permission store: denials are recorded, listing is filtered, grants persist', async () => {
    const path = join(tempDir(), 'rbac.db');
    const log = await openAuditSqlite({ path });
    const store: PermissionStore = log.permissionStore();
    const control = new SecretAccessControl({ store });
    const manager = new SecretManager({
      providers: [
        new MemoryProvider({
          secrets: {
            'api-key-stripe': planted('a'),
            'api-key-github': planted('b'),
            'db-password': planted('c'),
          },
        }),
      ],
      plugins: [control.plugin(), log],
    });
    await manager.initialize();
    await control.grant('api-key-*', 'api-consumer', 'read');

    expect(await manager.getSecret('api-key-stripe', { accessor: 'api-consumer' })).not.toBeNull();
    const existing = await manager
      .getSecret('db-password', { accessor: 'api-consumer' })
      .catch((e: Error) => e);
    const missing = await manager
      .getSecret('db-nothing', { accessor: 'api-consumer' })
      .catch((e: Error) => e);
    expect(existing).toMatchObject({ code: 'ACCESS_DENIED' });
    expect((existing as Error).message.replace('db-password', 'X')).toBe(
      (missing as Error).message.replace('db-nothing', 'X'),
    );
    expect((await manager.listSecrets({ accessor: 'api-consumer' })).map((s) => s.key)).toEqual([
      'api-key-github',
      'api-key-stripe',
    ]);

    const denied = await log.entries({ failedOnly: true, accessor: 'api-consumer' });
    expect(denied.map((e) => [e.secretName, e.outcome, e.errorCode])).toEqual([
      ['db-nothing', 'denied', 'ACCESS_DENIED'],
      ['db-password', 'denied', 'ACCESS_DENIED'],
    ]);
    await manager.dispose();

    const reopened = await openAuditSqlite({ path });
    const again = new SecretAccessControl({ store: reopened.permissionStore() });
    expect(await again.hasPermission('api-key-new', 'api-consumer', 'read')).toBe(true);
    await reopened.close();
  });

  it('rbac grants and revokes are recorded in the audit log (audit: log), allowed and denied', async () => {
    const path = join(tempDir(), 'changes.db');
    const forwarded: string[] = [];
    const log = await openAuditSqlite({
      path,
      auditLogCallback: (entry) => void forwarded.push(`${entry.operation}:${entry.outcome}`),
    });
    // Assigning the log to rbac's sink type is the check that the two shapes match.
    const audit: PermissionChangeSink = log;
    const control = new SecretAccessControl({
      store: log.permissionStore(),
      audit,
      rootAccessors: ['ops-root'],
    });
    const manager = new SecretManager({
      providers: [new MemoryProvider({ secrets: { 'api-key-stripe': planted('a') } })],
      plugins: [control.plugin(), log],
    });
    await manager.initialize();

    await control.grant('*', 'ops-lead', 'admin', { actor: 'ops-root' });
    await control.grant('api-key-*', 'api-consumer', 'read', { actor: 'ops-lead', expiresAt: '30d' });
    await expect(
      control.grant('api-key-*', 'api-consumer', 'admin', { actor: 'api-consumer' }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await manager.getSecret('api-key-stripe', { accessor: 'api-consumer' })).not.toBeNull();
    expect(await control.revoke('api-key-*', 'api-consumer', 'read', { actor: 'ops-lead' })).toBe(1);
    await expect(manager.getSecret('api-key-stripe', { accessor: 'api-consumer' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });

    const trail = await log.entries({ order: 'oldest' });
    expect(
      trail.map((e) => [e.operation, e.secretName, e.accessor, e.grantee, e.permission, e.scope, e.outcome]),
    ).toEqual([
      ['grant', '*', 'ops-root', 'ops-lead', 'admin', 'global', 'success'],
      ['grant', 'api-key-*', 'ops-lead', 'api-consumer', 'read', 'global', 'success'],
      ['grant', 'api-key-*', 'api-consumer', 'api-consumer', 'admin', 'global', 'denied'],
      ['get', 'api-key-stripe', 'api-consumer', null, null, null, 'success'],
      ['revoke', 'api-key-*', 'ops-lead', 'api-consumer', 'read', null, 'success'],
      ['get', 'api-key-stripe', 'api-consumer', null, null, null, 'denied'],
    ]);
    expect(trail[2]!.errorCode).toBe('ACCESS_DENIED');
    expect((await log.entries({ grantee: 'api-consumer', operation: 'revoke' })).length).toBe(1);
    expect(forwarded.slice(0, 3)).toEqual(['grant:success', 'grant:success', 'grant:denied']);
    await manager.dispose();
  });

  it('fail-closed: a grant whose audit entry cannot be written rejects with AuditWriteError', async () => {
    const path = join(tempDir(), 'changes-closed.db');
    const log = await openAuditSqlite({ path });
    const control = new SecretAccessControl({ audit: log });
    const other = new Database(path);
    other.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON secret_access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    await expect(control.grant('k', 'a', 'read')).rejects.toBeInstanceOf(AuditWriteError);
    other.exec('DROP TRIGGER refuse');
    other.close();
    await control.revoke('k', 'a');
    expect((await log.entries()).map((e) => [e.operation, e.outcome])).toEqual([['revoke', 'success']]);
    await log.close();
  });
});
