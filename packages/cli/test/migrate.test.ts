import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const VALUES = {
  'db/password': plant('vault-Migr4te-db-pw'),
  'api-key': plant('vault-Migr4te-api-key'),
  'smtp/password': plant('vault-Migr4te-smtp'),
};

/** Migration from the local store to Vault (the emulator, through node-vault), as `hush copy` does it. */
describe('copy from the local store to Vault', () => {
  let vault: VaultEmulator;
  const { run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '      - kind: vault',
      "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0, requestTimeout: 3s }",
      '    defaultWriteProvider: local',
      '',
    ].join('\n'),
  });
  const withVault = (args: string[], input?: string) =>
    run(args, {
      env: {
        VAULT_ADDR: vault.url,
        VAULT_TOKEN: vault.rootToken,
        HUSH_MASTER_KEY: Buffer.alloc(32, 4).toString('base64'),
      },
      ...(input !== undefined ? { input } : {}),
    });

  beforeAll(async () => {
    vault = await startVaultEmulator();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('copies every secret with --verify, then Vault serves them', async () => {
    for (const [name, value] of Object.entries(VALUES))
      expect((await withVault(['set', name, '--tag', 'team=core'], value)).code).toBe(0);
    const copy = await withVault(['copy', '--from', 'local', '--to', 'vault', '--verify', '--json']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({
      copied: 3,
      skipped: 0,
      failed: 0,
      verify: { checked: 3, matched: 3 },
    });
    const fromVault = JSON.parse(
      (await withVault(['get', 'db/password', '--provider', 'vault', '--json'])).stdout,
    );
    expect(fromVault).toMatchObject({
      value: VALUES['db/password'],
      provider: 'vault',
      tags: { team: 'core' },
    });
    const again = await withVault(['copy', '--from', 'local', '--to', 'vault']);
    expect(again.stdout).toContain('copied 0, unchanged 3');
  });

  it('an outage of Vault: pinned reads exit 5, health is degraded, unpinned reads are served by local first in the chain', async () => {
    vault.faults.set({ outage: true });
    try {
      const pinned = await withVault(['get', 'api-key', '--provider', 'vault']);
      expect(pinned.code).toBe(5);
      const health = await withVault(['health', '--json']);
      expect(health.code).toBe(0);
      expect(JSON.parse(health.stdout).status).toBe('degraded');
      expect((await withVault(['get', 'api-key'])).stdout).toBe(`${VALUES['api-key']}\n`);
    } finally {
      vault.faults.clear();
    }
  });
});
