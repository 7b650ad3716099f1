import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const DAY = 86_400_000;
const DB_PASSWORD = plant('vault-r0tation-db-pw');
const API_KEY = plant('vault-r0tation-api-key');

/** Scheduled rotation against Vault (the emulator, through node-vault); its clock is the test's. */
describe('hush rotate --due against Vault', () => {
  let vault: VaultEmulator;
  // The emulator stamps versions with this clock: secrets written "40 days ago" are due now.
  let vaultNow = Date.now() - 40 * DAY;
  const { run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: vault',
        "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0 }",
        'schema:',
        '  db/password: { rotation: 30d }',
        'rotation: { notifyBefore: 7d }',
        '',
      ].join('\n'),
      'app.template': 'new=${secret:api-key}\nold=${secret:api-key@previous}\n',
    },
    { init: false },
  );
  const withVault = (args: string[], input?: string) =>
    run(args, {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken },
      ...(input !== undefined ? { input } : {}),
      timeoutMs: 60_000,
    });
  const versionOf = async (name: string) =>
    JSON.parse((await withVault(['versions', name, '--json'])).stdout) as Array<{ version: string }>;

  beforeAll(async () => {
    vault = await startVaultEmulator({ now: () => vaultNow });
    expect(
      (await withVault(['set', 'db/password', '--tag', 'rotation-generator=random:40:hex'], DB_PASSWORD))
        .code,
    ).toBe(0);
    expect((await withVault(['set', 'api-key', '--tag', 'rotation=90d'], API_KEY)).code).toBe(0);
    vaultNow = Date.now();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('--dry-run lists what is due and rotates nothing', async () => {
    const dry = await withVault(['rotate', '--due', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^due db\/password \(every 30d\)/m);
    expect(dry.stdout).not.toContain('api-key (every');
    expect(await versionOf('db/password')).toHaveLength(1);
  });

  it('two rotators at once rotate a due secret once: the other loses the CAS write', async () => {
    const [a, b] = await Promise.all([
      withVault(['rotate', '--due', '--json']),
      withVault(['rotate', '--due', '--json']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const statuses = [a, b]
      .flatMap((r) => JSON.parse(r.stdout).results as Array<{ key: string; status: string }>)
      .filter((r) => r.key === 'db/password')
      .map((r) => r.status);
    // Either the second saw the new version (nothing due) or it lost the compare-and-set.
    expect(statuses.filter((s) => s === 'rotated')).toHaveLength(1);
    expect(statuses.filter((s) => s !== 'rotated' && s !== 'conflict')).toEqual([]);
    expect(await versionOf('db/password')).toHaveLength(2);
    const value = (await withVault(['get', 'db/password'])).stdout.trim();
    expect(value).toMatch(/^[0-9a-f]{40}$/);
    for (const out of [a.stdout, b.stdout, a.stderr, b.stderr]) expect(out).not.toContain(value);
    // Not due any more.
    const again = await withVault(['rotate', '--due']);
    expect(again.stderr).toContain('no secret is due for rotation');
  });

  it('--keep-previous keeps the replaced version readable: get --previous and ${secret:name@previous}', async () => {
    const rotated = await withVault(['rotate', 'api-key', '--keep-previous', '1h']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('previous one readable for 1h');
    const current = (await withVault(['get', 'api-key'])).stdout.trim();
    expect(current).not.toBe(API_KEY);
    expect((await withVault(['get', 'api-key', '--previous'])).stdout).toBe(`${API_KEY}\n`);
    const rendered = await withVault(['render', 'app.template']);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toBe(`new=${current}\nold=${API_KEY}\n`);
    // The policy tag survives the rotation; the grace period shows as tags, never values.
    const info = JSON.parse((await withVault(['list', '--json'])).stdout) as Array<{
      key: string;
      tags: Record<string, string>;
    }>;
    const tags = info.find((i) => i.key === 'api-key')!.tags;
    expect(tags.rotation).toBe('90d');
    expect(tags['rotation-previous-version']).toBe('1');
    expect(Date.parse(tags['rotation-previous-until']!)).toBeGreaterThan(Date.now());
  });

  it('--watch checks at once and stops cleanly on SIGTERM', async () => {
    let sent = false;
    const watch = await run(['rotate', '--due', '--watch', '--interval', '1h'], {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken },
      timeoutMs: 60_000,
      onSpawn: (child) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          if (!sent && chunk.toString().includes('no secret is due')) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
      },
    });
    expect(watch.stderr).toContain('checking every 1h');
    expect(watch.code, watch.stderr).toBe(0);
  });

  it('refuses options that do not go together, with a usage error', async () => {
    for (const args of [
      ['rotate', '--due', '--interval', '1h'],
      ['rotate', 'api-key', '--watch'],
      ['get', 'api-key', '--previous', '--version', '1'],
    ]) {
      const result = await withVault(args);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});
