import { join } from 'node:path';
import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { openAuditSqlite } from '../src/index.js';
import { tempDir } from './helpers.js';

// The monitoring queries of the README, run as an operator would, as raw SQL on the database.
const FAILED_PER_ACCESSOR = `SELECT accessor, COUNT(*) AS failed_attempts FROM secret_access_log
WHERE success = 0 AND timestamp >= datetime('now', '-24 hours')
GROUP BY accessor HAVING failed_attempts > 5`;
const EXPIRING_SOON = `SELECT name, julianday(expires_at) - julianday('now') AS days_until_expiry FROM secrets
WHERE expires_at IS NOT NULL AND days_until_expiry < 30 ORDER BY days_until_expiry`;
const NEVER_ROTATED = `SELECT name FROM secrets WHERE deleted = 0 AND last_rotated_at IS NULL ORDER BY name`;
const ACCESS_RATE = `SELECT COUNT(*) AS accesses FROM secret_access_log WHERE timestamp >= datetime('now', '-1 hour')`;

describe('the secrets table after each kind of write, through the manager', () => {
  it('records expiry, version, rotation time, tags and scope as each write changes them', async () => {
    const log = await openAuditSqlite({ path: join(tempDir(), 'audit.db') });
    const manager = new SecretManager({
      providers: [new MemoryProvider({ name: 'memory' })],
      plugins: [log],
    });
    const row = async (name: string) =>
      (await log.query<Record<string, unknown>>(`SELECT * FROM secrets WHERE name = '${name}'`))[0]!;

    await manager.setSecret('api/key', 'v1', { expiresAt: '10d', tags: { team: 'web' }, scope: 'agent' });
    // No listing in between: the write itself recorded the expiry.
    expect((await log.query(EXPIRING_SOON)).map((r: any) => r.name)).toEqual(['api/key']);
    expect(await row('api/key')).toMatchObject({
      current_version: '1',
      scope: 'agent',
      tags: '{"team":"web"}',
    });
    expect((await log.query(NEVER_ROTATED)).map((r: any) => r.name)).toEqual(['api/key']);

    await manager.rotateSecret('api/key', { newValue: 'v2' });
    const rotated = await row('api/key');
    expect(rotated.current_version).toBe('2');
    expect(rotated.last_rotated_at).not.toBeNull();
    expect(await log.query(NEVER_ROTATED)).toEqual([]);

    await manager.rollbackSecret('api/key', 1);
    expect((await row('api/key')).current_version).toBe('3');

    await manager.setSecret('api/key', 'v4', { tags: { team: 'ops' } });
    const rewritten = await row('api/key');
    expect(rewritten.tags).toBe('{"team":"ops"}');
    // A write without an expiry leaves the new version without one: nothing is expiring any more.
    expect(await log.query(EXPIRING_SOON)).toEqual([]);

    await manager.deleteSecret('api/key');
    expect((await row('api/key')).deleted).toBe(1);

    for (let i = 0; i < 6; i++) await manager.getSecret('missing', { accessor: 'prober' });
    expect(await log.query(FAILED_PER_ACCESSOR)).toEqual([{ accessor: 'prober', failed_attempts: 6 }]);
    expect((await log.query<{ accesses: number }>(ACCESS_RATE))[0]!.accesses).toBeGreaterThanOrEqual(11);
    await log.close();
  });
});
