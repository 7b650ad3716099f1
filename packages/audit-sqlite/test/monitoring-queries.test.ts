import { join } from 'node:path';
import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { openAuditSqlite } from '../src/index.js';
import { DAY, tempDir } from './helpers.js';

// The four monitoring queries (access rate, repeated failures, expiring soon, not rotated) as an
// operator writes them in raw SQL, run on the database right after the writes: no listing between.

const ACCESS_RATE = `SELECT COUNT(*) as access_count
FROM secret_access_log
WHERE timestamp >= datetime('now', '-1 hour')
GROUP BY strftime('%Y-%m-%d %H:00', timestamp);`;

const FAILED_ATTEMPTS = `SELECT accessor, COUNT(*) as failed_attempts
FROM secret_access_log
WHERE success = 0
AND timestamp >= datetime('now', '-24 hours')
GROUP BY accessor
HAVING failed_attempts > 5;`;

const EXPIRING_SOON = `SELECT name, expires_at,
  julianday(expires_at) - julianday('now') as days_until_expiry
FROM secrets
WHERE expires_at IS NOT NULL
AND days_until_expiry < 30
ORDER BY days_until_expiry ASC;`;

const NEVER_ROTATED = `SELECT name, updated_at,
  julianday('now') - julianday(updated_at) as days_since_update
FROM secrets
WHERE days_since_update > 90
ORDER BY days_since_update DESC;`;

describe('raw SQL monitoring queries', () => {
  it('return the right rows right after the writes', async () => {
    const path = join(tempDir(), 'audit.db');
    const provider = new MemoryProvider({ name: 'local' });

    // 120 and 100 days ago (the manager's clock stamps the events the log records).
    for (const [name, daysAgo] of [
      ['legacy-token', 120],
      ['old-api-key', 100],
    ] as const) {
      const then = new SecretManager({
        providers: [provider],
        plugins: [await openAuditSqlite({ path })],
        now: () => Date.now() - daysAgo * DAY,
      });
      await then.set(name, `planted-${name}-value`);
      await then.dispose();
    }

    const log = await openAuditSqlite({ path });
    const manager = new SecretManager({ providers: [provider], plugins: [log] });
    await manager.set('api-key-stripe', 'sk_live_planted', { expiresAt: '7d' });
    await manager.set('webhook-secret-stripe', 'whsec_planted', { expiresAt: '20d' });
    await manager.set('database-password', 'pw_planted', { expiresAt: '90d' });
    await manager.rotate('old-api-key', { newValue: 'rotated-planted' });
    for (let i = 0; i < 6; i++) await manager.get('no-such-secret', { accessor: 'prober' });
    for (let i = 0; i < 5; i++) await manager.get('no-such-secret', { accessor: 'typo-once' });
    await manager.get('api-key-stripe', { accessor: 'payment-plugin' });

    // Every operation of the last hour: 4 writes, 12 reads (the two old writes are not in it).
    const rate = await log.query<{ access_count: number }>(ACCESS_RATE);
    expect(rate.reduce((sum, row) => sum + row.access_count, 0)).toBe(16);

    expect(await log.query(FAILED_ATTEMPTS)).toEqual([{ accessor: 'prober', failed_attempts: 6 }]);

    const expiring = await log.query<{ name: string; expires_at: string; days_until_expiry: number }>(
      EXPIRING_SOON,
    );
    expect(expiring.map((row) => row.name)).toEqual(['api-key-stripe', 'webhook-secret-stripe']);
    expect(expiring[0]!.days_until_expiry).toBeGreaterThan(6.99);
    expect(expiring[0]!.days_until_expiry).toBeLessThanOrEqual(7);
    expect(expiring[0]!.expires_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);

    // The rotation made old-api-key current again; legacy-token has not changed for 120 days.
    const stale = await log.query<{ name: string; days_since_update: number }>(NEVER_ROTATED);
    expect(stale.map((row) => row.name)).toEqual(['legacy-token']);
    expect(Math.round(stale[0]!.days_since_update)).toBe(120);

    const text = JSON.stringify([rate, expiring, stale, await log.query('SELECT * FROM secret_access_log')]);
    expect(text).not.toMatch(/planted/);
    await manager.dispose();
  });
});
