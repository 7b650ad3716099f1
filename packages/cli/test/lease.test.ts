import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const VAULT_CONFIG = [
  'environments:',
  '  dev:',
  '    providers:',
  '      - kind: vault',
  "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', dynamic: ['database/creds/*'], retries: 0, requestTimeout: 5s }",
  '',
].join('\n');

/** `hush lease` against the Vault emulator's database engine and `sys/leases`, through node-vault. */
describe('hush lease list|renew|revoke', () => {
  let vault: VaultEmulator;
  const { run } = useProject({ 'hush.config.yaml': VAULT_CONFIG }, { init: false });
  const withVault = (args: string[]) =>
    run(args, { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken } });

  /** A fresh credential through `hush get`: its lease id, and its password planted. */
  const issue = async (): Promise<{ leaseId: string; password: string }> => {
    const got = await withVault(['get', 'database/creds/app', '--json']);
    expect(got.code, got.stderr).toBe(0);
    const record = JSON.parse(got.stdout) as { value: string; lease: { id: string } };
    return { leaseId: record.lease.id, password: plant(JSON.parse(record.value).password) };
  };

  beforeAll(async () => {
    vault = await startVaultEmulator({
      database: {
        roles: { app: { defaultTtl: '1h', maxTtl: '24h' }, web: { defaultTtl: '1h', maxTtl: '24h' } },
      },
      // Updates leases without sudo: revoke-prefix is refused, listing them too.
      policies: { operator: { 'sys/leases/*': ['update'] } },
    });
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('lists the leases of issued credentials with their TTL, never a value', async () => {
    const first = await issue();
    const second = await issue();
    const listed = await withVault(['lease', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const leases = JSON.parse(listed.stdout) as Array<{ id: string; renewable: boolean; ttlSeconds: number }>;
    const ids = leases.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining([first.leaseId, second.leaseId]));
    for (const lease of leases) {
      expect(lease.renewable).toBe(true);
      expect(lease.ttlSeconds).toBeGreaterThan(3000);
      expect(lease.ttlSeconds).toBeLessThanOrEqual(3600);
    }
    const table = await withVault(['lease', 'list', '--prefix', 'database/creds/app/']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('LEASE ID');
    expect(table.stdout).toContain(first.leaseId);
    for (const text of [listed.stdout, table.stdout]) {
      expect(text).not.toContain(first.password);
      expect(text).not.toContain(second.password);
    }
    const other = await withVault(['lease', 'list', '--prefix', 'database/creds/none/', '--json']);
    expect(JSON.parse(other.stdout)).toEqual([]);
  });

  it('renews a lease by id for the increment asked, then revokes it: gone from the list, renew and revoke exit 3', async () => {
    const { leaseId } = await issue();
    const renewed = await withVault(['lease', 'renew', leaseId, '--increment', '2h', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    const lease = JSON.parse(renewed.stdout) as { id: string; durationSeconds: number; expiresAt: string };
    expect(lease.id).toBe(leaseId);
    expect(lease.durationSeconds).toBe(7200);
    expect(Date.parse(lease.expiresAt) - Date.now()).toBeGreaterThan(7000_000);

    const revoked = await withVault(['lease', 'revoke', leaseId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain(`revoked ${leaseId}`);
    const listed = JSON.parse((await withVault(['lease', 'list', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((l) => l.id)).not.toContain(leaseId);

    const again = await withVault(['lease', 'renew', leaseId]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`lease '${leaseId}' not found`);
    const twice = await withVault(['lease', 'revoke', leaseId]);
    expect(twice.code).toBe(3);
  });

  it('revoke --prefix ends every lease under a role, names them, and exits 3 when none is left', async () => {
    const [first, second] = [await issue(), await issue()];
    const other = await withVault(['get', 'database/creds/web', '--json']);
    expect(other.code, other.stderr).toBe(0);
    const otherLease = (JSON.parse(other.stdout) as { lease: { id: string } }).lease.id;
    // A partial segment is not a prefix of the role's path: nothing is under 'database/creds/ap'.
    const partial = await withVault(['lease', 'revoke', '--prefix', 'database/creds/ap']);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain("no lease under 'database/creds/ap' (nothing revoked)");

    const revoked = await withVault(['lease', 'revoke', '--prefix', 'database/creds/app', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    const answer = JSON.parse(revoked.stdout) as { prefix: string; revoked: string[] };
    expect(answer.prefix).toBe('database/creds/app');
    expect(answer.revoked).toEqual(expect.arrayContaining([first.leaseId, second.leaseId]));
    expect(answer.revoked).not.toContain(otherLease);
    expect(revoked.stdout).not.toContain(first.password);
    const listed = JSON.parse((await withVault(['lease', 'list', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((l) => l.id)).toEqual([otherLease]);

    const again = await withVault(['lease', 'revoke', '--prefix', 'database/creds/app']);
    expect(again.code).toBe(3);
    const text = await withVault(['lease', 'revoke', '--prefix', 'database/creds/web']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toContain('revoked 1 lease under database/creds/web');
    expect((await withVault(['lease', 'revoke', 'x', '--prefix', 'database/creds/web'])).code).toBe(2);
    expect((await withVault(['lease', 'revoke', '--prefix', '/'])).code).toBe(2);
  });

  it('revoke --prefix with a token that has no sudo is refused (4) and ends nothing', async () => {
    const { leaseId } = await issue();
    const token = vault.createToken({ policies: ['operator'] });
    const refused = await run(['lease', 'revoke', '--prefix', 'database/creds/app'], {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token },
    });
    expect(refused.code, refused.stderr).toBe(4);
    const listed = JSON.parse((await withVault(['lease', 'list', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((l) => l.id)).toContain(leaseId);
  });

  it('refuses what it cannot do: a missing id (2), a bad increment (2), Vault down (5)', async () => {
    expect((await withVault(['lease', 'renew'])).code).toBe(2);
    const bad = await withVault(['lease', 'renew', 'database/creds/app/x', '--increment', 'soon']);
    expect(bad.code).toBe(2);
    vault.faults.set({ outage: true });
    try {
      expect((await withVault(['lease', 'list'])).code).toBe(5);
    } finally {
      vault.faults.clear();
    }
  });
});

describe('hush lease without a provider that has leases', () => {
  const { run } = useProject();
  it('says that no provider of the environment supports leases (exit 1)', async () => {
    const listed = await run(['lease', 'list']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain("no provider of environment 'dev' supports leases");
  });
});
