import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const DB_PASSWORD = plant('vault-0ffline-db-pw');
const API_KEY = plant('vault-0ffline-api-key');

/** The persistent cache and offline mode, against Vault (the emulator, through node-vault). */
describe('offline: the persistent cache in front of Vault', () => {
  let vault: VaultEmulator;
  const { dir, run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: vault',
        "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0, requestTimeout: 3s }",
        'cache:',
        '  persistent: { path: .hush/cache, ttl: 24h }',
        '',
      ].join('\n'),
      'app.template': 'password=${secret:db/password}\n',
    },
    { init: false },
  );
  const withVault = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    run(args, {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken, ...options.env },
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
  const requests = () => Object.values(vault.counters).reduce((a, b) => a + b, 0);
  const cacheFiles = () =>
    readdirSync(join(dir, '.hush/cache/dev')).map((f) => join(dir, '.hush/cache/dev', f));

  beforeAll(async () => {
    vault = await startVaultEmulator();
    expect((await withVault(['set', 'db/password'], { input: DB_PASSWORD })).code).toBe(0);
    expect((await withVault(['set', 'api-key'], { input: API_KEY })).code).toBe(0);
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('an online read keeps an encrypted copy; status shows names and ages, never values', async () => {
    expect((await withVault(['get', 'db/password'])).stdout).toBe(`${DB_PASSWORD}\n`);
    expect((await withVault(['get', 'api-key'])).stdout).toBe(`${API_KEY}\n`);
    for (const file of cacheFiles()) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(DB_PASSWORD);
      expect(text).not.toContain(API_KEY);
    }
    const status = await withVault(['cache', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/api-key\s+1\s+vault\s+\S+\s+\d+s\s+usable/);
    expect(status.stdout).toMatch(/db\/password\s+1\s+vault/);
    const json = await withVault(['cache', 'status', '--json']);
    expect(JSON.parse(json.stdout).entries.map((e: { name: string }) => e.name)).toEqual([
      'api-key',
      'db/password',
    ]);
    for (const out of [status.stdout, json.stdout]) {
      expect(out).not.toContain(DB_PASSWORD);
      expect(out).not.toContain(API_KEY);
    }
  });

  it('when Vault is down, reads are served from the copy', async () => {
    vault.faults.set({ outage: true });
    try {
      const get = await withVault(['get', 'db/password']);
      expect(get.code, get.stderr).toBe(0);
      expect(get.stdout).toBe(`${DB_PASSWORD}\n`);
      const rendered = await withVault(['render', 'app.template']);
      expect(rendered.stdout).toBe(`password=${DB_PASSWORD}\n`);
    } finally {
      vault.faults.clear();
    }
  });

  it('--offline and HUSH_OFFLINE=1 make no request at all: Vault counts zero', async () => {
    vault.resetCounters();
    const get = await withVault(['get', 'db/password', '--offline']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe(`${DB_PASSWORD}\n`);
    const env = { HUSH_OFFLINE: '1' };
    const list = await withVault(['list', '--json'], { env });
    expect(JSON.parse(list.stdout).map((s: { key: string }) => s.key)).toEqual(['api-key', 'db/password']);
    const ran = await withVault(['run', '--no-mask', '--', 'sh', '-c', 'printf %s "$API_KEY"'], { env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe(API_KEY);
    expect((await withVault(['render', 'app.template'], { env })).stdout).toBe(`password=${DB_PASSWORD}\n`);
    const missing = await withVault(['get', 'never-read', '--offline']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/offline/);
    const write = await withVault(['set', 'db/password', '--offline'], { input: 'new-value-offline' });
    expect(write.code).toBe(5);
    expect(requests()).toBe(0);
  });

  it('a tampered copy is ignored with a warning, never served', async () => {
    const file = cacheFiles().find((f) => readFileSync(f, 'utf8').includes('"api-key"'))!;
    const original = readFileSync(file, 'utf8');
    const doc = JSON.parse(original);
    const sealed = Buffer.from(doc.entries['api-key'].sealed, 'base64');
    sealed[20]! ^= 0xff;
    doc.entries['api-key'].sealed = sealed.toString('base64');
    writeFileSync(file, JSON.stringify(doc));
    const get = await withVault(['get', 'api-key', '--offline']);
    expect(get.code).toBe(5);
    expect(get.stdout).toBe('');
    expect(get.stderr).toMatch(
      /warning: ignored a persistent cache entry: the entry of 'api-key' failed authentication/,
    );
    const status = await withVault(['cache', 'status']);
    expect(status.stdout).toMatch(/api-key.*tampered/);
    writeFileSync(file, original);
  });

  it('a write through hush drops the copy; cache clear drops the rest', async () => {
    expect((await withVault(['set', 'api-key'], { input: plant('vault-0ffline-api-key-2') })).code).toBe(0);
    const status = JSON.parse((await withVault(['cache', 'status', '--json'])).stdout);
    expect(status.entries.map((e: { name: string }) => e.name)).toEqual(['db/password']);
    expect((await withVault(['get', 'api-key', '--offline'])).code).toBe(5);
    const clear = await withVault(['cache', 'clear']);
    expect(clear.code).toBe(0);
    expect(clear.stderr).toContain('removed 1 entry');
    expect(JSON.parse((await withVault(['cache', 'status', '--json'])).stdout).entries).toEqual([]);
    expect((await withVault(['get', 'db/password', '--offline'])).code).toBe(5);
  });

  it('without cache.persistent, cache status says how to turn it on', async () => {
    const other = useProjectless();
    const status = await run(['cache', 'status', '--config', other]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/not configured/);
    expect(status.stderr).toMatch(/hint: add to .*cache: \{ persistent:/);
  });

  function useProjectless(): string {
    const file = join(dir, 'plain.config.yaml');
    writeFileSync(file, 'environments:\n  dev:\n    providers:\n      - kind: env\n');
    return file;
  }
});
