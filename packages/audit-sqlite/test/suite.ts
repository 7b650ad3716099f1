import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../src/index.js';
import { DAY, daysAgo, event } from './helpers.js';

/** Behaviour every backend (SQLite, PostgreSQL) must show; `open` returns a fresh, empty log. */
export function describeAuditBackend(name: string, open: () => Promise<AuditLog>) {
  describe(`${name}: recording and queries`, () => {
    it('records every field of an operation', async () => {
      const log = await open();
      try {
        const at = new Date('2026-05-01T10:00:00.123Z');
        await log.after(
          event({
            requestId: 'req-42',
            operation: 'getVersion',
            key: 'api-key-stripe',
            provider: 'vault',
            accessor: 'payment-plugin',
            scope: 'plugin',
            version: '3',
            outcome: 'denied',
            errorCode: 'ACCESS_DENIED',
            durationMs: 12.25,
            timestamp: at,
            cached: true,
          }),
        );
        const [entry] = await log.bySecret('api-key-stripe', { since: new Date('2026-01-01') });
        expect(entry).toMatchObject({
          requestId: 'req-42',
          operation: 'getVersion',
          secretName: 'api-key-stripe',
          provider: 'vault',
          accessor: 'payment-plugin',
          scope: 'plugin',
          version: '3',
          success: false,
          outcome: 'denied',
          errorCode: 'ACCESS_DENIED',
          durationMs: 12.25,
          cached: true,
          timestamp: at,
        });
        await log.after(event({ operation: 'list', key: undefined, pattern: 'api-*' }));
        const [list] = await log.entries({ operation: 'list' });
        expect(list).toMatchObject({ secretName: null, pattern: 'api-*', success: true });
      } finally {
        await log.close();
      }
    });

    it('filters by secret, accessor, outcome and time window, newest first, with a limit', async () => {
      const log = await open();
      try {
        await log.after(event({ key: 'a', accessor: 'x', timestamp: daysAgo(3) }));
        await log.after(
          event({
            key: 'a',
            accessor: 'y',
            timestamp: daysAgo(2),
            outcome: 'not_found',
            errorCode: 'SECRET_NOT_FOUND',
          }),
        );
        await log.after(
          event({
            key: 'b',
            accessor: 'x',
            timestamp: daysAgo(1),
            outcome: 'error',
            errorCode: 'PROVIDER_UNAVAILABLE',
          }),
        );
        await log.after(event({ key: 'a', accessor: 'x', timestamp: new Date() }));

        expect((await log.bySecret('a')).map((e) => e.accessor)).toEqual(['x', 'y', 'x']);
        expect((await log.bySecret('a', { order: 'oldest', limit: 2 })).map((e) => e.accessor)).toEqual([
          'x',
          'y',
        ]);
        expect((await log.byAccessor('x')).map((e) => e.secretName)).toEqual(['a', 'b', 'a']);
        expect((await log.byAccessor('x', { since: '36h' })).map((e) => e.secretName)).toEqual(['a', 'b']);
        expect((await log.entries({ failedOnly: true })).map((e) => e.outcome)).toEqual([
          'error',
          'not_found',
        ]);
        expect((await log.failures({ since: '36h' })).map((e) => e.errorCode)).toEqual([
          'PROVIDER_UNAVAILABLE',
        ]);
        expect(await log.failures({ since: daysAgo(10), until: daysAgo(1.5) })).toHaveLength(1);
        expect(await log.entries({ outcome: 'not_found' })).toHaveLength(1);
        expect(await log.entries({ limit: 1 })).toHaveLength(1);
      } finally {
        await log.close();
      }
    });

    it('finds accessors with more than N failures in 24 hours (the usual alert)', async () => {
      const log = await open();
      try {
        for (let i = 0; i < 6; i++)
          await log.after(event({ accessor: 'prober', outcome: 'denied', errorCode: 'ACCESS_DENIED' }));
        for (let i = 0; i < 5; i++) await log.after(event({ accessor: 'clumsy', outcome: 'not_found' }));
        for (let i = 0; i < 9; i++)
          await log.after(event({ accessor: 'yesterday', outcome: 'denied', timestamp: daysAgo(1.5) }));
        for (let i = 0; i < 9; i++) await log.after(event({ accessor: 'fine' }));
        const suspects = await log.accessorsWithFailures();
        expect(suspects.map((s) => [s.accessor, s.failures])).toEqual([['prober', 6]]);
        expect(suspects[0]!.lastFailureAt).toBeInstanceOf(Date);
        const lower = await log.accessorsWithFailures({ threshold: 4 });
        expect(lower.map((s) => s.accessor)).toEqual(['prober', 'clumsy']);
        expect(
          (await log.accessorsWithFailures({ threshold: 4, window: '2d' })).map((s) => s.accessor),
        ).toEqual(['yesterday', 'prober', 'clumsy']);
      } finally {
        await log.close();
      }
    });

    it('counts accesses per hour (access rate), the last hour by default', async () => {
      const log = await open();
      try {
        const hourStart = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
        const now = new Date();
        const threeHoursAgo = new Date(now.getTime() - 3 * 3_600_000);
        for (let i = 0; i < 3; i++) await log.after(event({ timestamp: now }));
        for (let i = 0; i < 2; i++) await log.after(event({ timestamp: threeHoursAgo, outcome: 'denied' }));
        await log.after(event({ timestamp: daysAgo(3) }));
        expect(await log.accessRate()).toEqual([{ hour: hourStart(now), accesses: 3 }]);
        expect(await log.accessRate({ window: '4h' })).toEqual([
          { hour: hourStart(threeHoursAgo), accesses: 2 },
          { hour: hourStart(now), accesses: 3 },
        ]);
      } finally {
        await log.close();
      }
    });

    it('keeps secret metadata and version history from write, rotate, rollback and delete events', async () => {
      const log = await open();
      try {
        await log.after(
          event({ operation: 'set', key: 'db', version: '1', accessor: 'admin', timestamp: daysAgo(200) }),
        );
        await log.after(
          event({ operation: 'set', key: 'db', version: '2', accessor: 'admin', timestamp: daysAgo(150) }),
        );
        await log.after(
          event({
            operation: 'rotate',
            key: 'db',
            version: '3',
            accessor: 'rotator',
            timestamp: daysAgo(100),
          }),
        );
        await log.after(
          event({
            operation: 'rollback',
            key: 'db',
            version: '2',
            accessor: 'admin',
            timestamp: daysAgo(95),
          }),
        );
        await log.after(event({ operation: 'set', key: 'fresh', version: '1', timestamp: daysAgo(1) }));
        await log.after(event({ operation: 'set', key: 'gone', version: '1', timestamp: daysAgo(300) }));
        await log.after(event({ operation: 'delete', key: 'gone', timestamp: daysAgo(2) }));
        // Failed writes change nothing.
        await log.after(
          event({ operation: 'set', key: 'db', version: '9', outcome: 'error', errorCode: 'PROVIDER_ERROR' }),
        );

        const secrets = await log.secrets();
        expect(secrets.map((s) => s.name)).toEqual(['db', 'fresh']);
        const db = secrets[0]!;
        expect(db).toMatchObject({ currentVersion: '2', provider: 'memory', deleted: false });
        expect(db.createdAt.getTime()).toBeLessThan(db.updatedAt.getTime());
        expect(db.lastRotatedAt!.getTime()).toBeLessThan(daysAgo(99).getTime());
        expect((await log.secrets({ includeDeleted: true })).find((s) => s.name === 'gone')).toMatchObject({
          deleted: true,
        });

        const stale = await log.secretsNotRotated(90);
        expect(stale.map((s) => s.name)).toEqual(['db']);
        expect(stale[0]!.daysSinceUpdate).toBeGreaterThan(94);
        expect(await log.secretsNotRotated(100)).toEqual([]);

        const history = await log.rotationHistory('db');
        expect(history.map((h) => [h.changeType, h.version, h.rotatedBy])).toEqual([
          ['rollback', '2', 'admin'],
          ['rotate', '3', 'rotator'],
        ]);
        await log.after(event({ operation: 'set', key: 'gone', version: '5' }));
        expect((await log.secrets()).map((s) => s.name)).toEqual(['db', 'fresh', 'gone']);
      } finally {
        await log.close();
      }
    });

    it('records what each write changed: expiry, tags, scope, version, rotation; a write without an expiry clears it', async () => {
      const log = await open();
      try {
        const soon = new Date(Date.now() + 10 * DAY);
        await log.after(
          event({
            operation: 'set',
            key: 'w',
            version: '1',
            change: { version: '1', expiresAt: soon, tags: { team: 'web' }, scope: 'agent' },
          }),
        );
        expect((await log.expiringSecrets(30)).map((s) => s.name)).toEqual(['w']);
        expect((await log.secrets())[0]).toMatchObject({
          scope: 'agent',
          currentVersion: '1',
          tags: { team: 'web' },
        });
        const rotatedAt = new Date();
        await log.after(
          event({
            operation: 'rotate',
            key: 'w',
            version: '2',
            change: { version: '2', expiresAt: null, rotatedAt },
          }),
        );
        const after = (await log.secrets())[0]!;
        expect(after).toMatchObject({ currentVersion: '2', expiresAt: null, tags: { team: 'web' } });
        expect(after.lastRotatedAt?.getTime()).toBe(rotatedAt.getTime());
        expect(await log.expiringSecrets(30)).toEqual([]);
      } finally {
        await log.close();
      }
    });

    it('reports secrets expiring within N days from synced listings', async () => {
      const log = await open();
      try {
        const info = (key: string, expiresInDays?: number) => ({
          key,
          version: '1',
          createdAt: daysAgo(10),
          updatedAt: daysAgo(5),
          ...(expiresInDays !== undefined ? { expiresAt: new Date(Date.now() + expiresInDays * DAY) } : {}),
          metadata: {},
          tags: { team: 'payments' },
          provider: 'memory',
        });
        await log.syncSecrets([
          info('soon', 5),
          info('later', 20),
          info('far', 60),
          info('never'),
          info('past', -1),
        ]);
        const within30 = await log.expiringSecrets(30);
        expect(within30.map((s) => s.name)).toEqual(['past', 'soon', 'later']);
        expect(within30[1]!.daysUntilExpiry).toBeGreaterThan(4.9);
        expect(within30[1]!.daysUntilExpiry).toBeLessThan(5.1);
        expect((await log.expiringSecrets(7)).map((s) => s.name)).toEqual(['past', 'soon']);
        // The active_secrets view leaves out the expired one.
        expect((await log.secrets()).map((s) => s.name)).toEqual(['far', 'later', 'never', 'soon']);
        expect((await log.secrets())[0]!.tags).toEqual({ team: 'payments' });
      } finally {
        await log.close();
      }
    });

    it('purges entries older than the retention period', async () => {
      const log = await open();
      try {
        await log.after(event({ key: 'old', timestamp: daysAgo(120) }));
        await log.after(event({ key: 'middle', timestamp: daysAgo(60) }));
        await log.after(event({ key: 'new' }));
        expect(await log.purge()).toBe(1);
        expect((await log.entries()).map((e) => e.secretName)).toEqual(['new', 'middle']);
        expect(await log.purge(30)).toBe(1);
        expect((await log.entries()).map((e) => e.secretName)).toEqual(['new']);
      } finally {
        await log.close();
      }
    });

    it('the recent_access_log view holds the last 1000 entries', async () => {
      const log = await open();
      try {
        await Promise.all(Array.from({ length: 1005 }, (_, i) => log.after(event({ key: `s-${i}` }))));
        const recent = await log.recent();
        expect(recent).toHaveLength(1000);
        expect(recent[0]!.secretName).toBe('s-1004');
        expect(recent.at(-1)!.secretName).toBe('s-5');
      } finally {
        await log.close();
      }
    });

    it('tracks encryption key lifecycle', async () => {
      const log = await open();
      try {
        await log.recordKey({
          id: 'key-1',
          algorithm: 'aes-256-gcm',
          status: 'active',
          provider: 'local',
          activatedAt: daysAgo(30),
        });
        await log.recordKey({
          id: 'key-1',
          algorithm: 'aes-256-gcm',
          status: 'retired',
          provider: 'local',
          retiredAt: new Date(),
        });
        await log.recordKey({
          id: 'key-2',
          algorithm: 'aes-256-gcm',
          status: 'active',
          metadata: { kdf: 'hkdf-sha256' },
        });
        const keys = await log.keys();
        expect(keys.map((k) => [k.id, k.status])).toEqual([
          ['key-1', 'retired'],
          ['key-2', 'active'],
        ]);
        expect(keys[0]!.retiredAt).toBeInstanceOf(Date);
        expect(keys[1]!.metadata).toEqual({ kdf: 'hkdf-sha256' });
      } finally {
        await log.close();
      }
    });

    it('records grants and revokes (recordPermissionChange) with grantee, permission and outcome', async () => {
      const log = await open();
      try {
        const at = new Date('2026-05-01T10:00:00.000Z');
        await log.recordPermissionChange({
          operation: 'grant',
          secretOrPattern: 'api-key-*',
          accessor: 'payment-plugin',
          permission: 'read',
          scope: 'plugin',
          actor: 'ops-lead',
          outcome: 'success',
          timestamp: at,
          durationMs: 0.75,
        });
        await log.recordPermissionChange({
          operation: 'revoke',
          secretOrPattern: 'db-password',
          accessor: 'app',
          actor: 'intern',
          outcome: 'denied',
          errorCode: 'ACCESS_DENIED',
        });
        const [grant] = await log.entries({ operation: 'grant', since: new Date('2026-01-01') });
        expect(grant).toMatchObject({
          operation: 'grant',
          secretName: 'api-key-*',
          grantee: 'payment-plugin',
          permission: 'read',
          scope: 'plugin',
          accessor: 'ops-lead',
          success: true,
          outcome: 'success',
          errorCode: null,
          provider: null,
          durationMs: 0.75,
          timestamp: at,
        });
        expect(grant!.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(await log.entries({ grantee: 'app' })).toMatchObject([
          { operation: 'revoke', permission: null, scope: null, accessor: 'intern', outcome: 'denied' },
        ]);
        // The views over the log show the new columns too (PostgreSQL fixes a view's columns).
        expect(await log.failures()).toMatchObject([{ operation: 'revoke', grantee: 'app' }]);
        expect((await log.recent()).map((e) => [e.operation, e.grantee])).toEqual([
          ['revoke', 'app'],
          ['grant', 'payment-plugin'],
        ]);
        expect((await log.accessorsWithFailures({ threshold: 0 })).map((a) => a.accessor)).toEqual([
          'intern',
        ]);
        await expect(
          log.recordPermissionChange({
            operation: 'delete' as never,
            secretOrPattern: 'k',
            accessor: 'a',
            outcome: 'success',
          }),
        ).rejects.toThrow(/operation/);
      } finally {
        await log.close();
      }
    });

    it('stores permission grants (the rbac PermissionStore shape)', async () => {
      const log = await open();
      try {
        const store = log.permissionStore();
        const grantedAt = new Date('2026-01-01T00:00:00.000Z');
        await store.put({
          secret: 'api-key-*',
          accessor: 'consumer',
          permission: 'read',
          scope: 'global',
          grantedAt,
        });
        await store.put({
          secret: 'db',
          accessor: 'consumer',
          permission: 'write',
          scope: 'plugin',
          grantedAt,
          grantedBy: 'root',
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        await store.put({
          secret: 'db',
          accessor: 'consumer',
          permission: 'write',
          scope: 'plugin',
          grantedAt,
          expiresAt: new Date('2031-01-01T00:00:00.000Z'),
        });
        expect(await store.list({ secret: 'db' })).toEqual([
          {
            secret: 'db',
            accessor: 'consumer',
            permission: 'write',
            scope: 'plugin',
            grantedAt,
            expiresAt: new Date('2031-01-01T00:00:00.000Z'),
          },
        ]);
        expect(await store.list({ accessor: 'consumer' })).toHaveLength(2);
        expect(await store.remove({ secret: 'db', accessor: 'consumer', permission: 'read' })).toBe(0);
        expect(await store.remove({ secret: 'db', accessor: 'consumer' })).toBe(1);
        await store.replaceAll([
          { secret: 'x', accessor: 'a', permission: 'admin', scope: 'user', grantedAt },
          {
            secret: 'y',
            accessor: 'a',
            permission: 'read',
            scope: 'global',
            grantedAt,
            expiresAt: daysAgo(1),
          },
        ]);
        expect((await store.list()).map((g) => g.secret)).toEqual(['x', 'y']);
        const active = await log.db.selectFrom('active_permissions').select('secret_id').execute();
        expect(active.map((r) => r.secret_id)).toEqual(['x']);
      } finally {
        await log.close();
      }
    });
  });
}
