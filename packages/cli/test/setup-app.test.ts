import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const SECRETS = ['db-password', 'api-key', 'jwt-secret'];

interface Plan {
  secrets: Array<{ environment: string; name: string; action: string; version?: string }>;
  policies: Array<{ environment: string; name: string; action: string }>;
  config: string;
}

/** `hush setup-app` on Vault: 3 environments × 3 secrets, a read policy per environment. */
describe('hush setup-app', () => {
  let vault: VaultEmulator;
  const { run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  ops:',
        '    providers:',
        '      - kind: vault',
        "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0, requestTimeout: 5s }",
        '',
      ].join('\n'),
    },
    { init: false },
  );
  const as = (token: string) => (args: string[]) =>
    run(args, { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token } });
  const root = (args: string[]) => as(vault.rootToken)(args);
  const setup = (...extra: string[]) =>
    root([
      'setup-app',
      'myapp',
      '--environments',
      ENVIRONMENTS.join(','),
      '--secrets',
      SECRETS.join(','),
      '--rotation',
      '30d',
      ...extra,
    ]);
  const read = async (name: string) => {
    const got = await root(['get', name, '--json']);
    expect(got.code, got.stderr).toBe(0);
    return JSON.parse(got.stdout) as { value: string; version: string; tags: Record<string, string> };
  };

  beforeAll(async () => {
    vault = await startVaultEmulator();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const planned = await setup('--dry-run', '--json');
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.secrets).toHaveLength(9);
    expect(plan.secrets.every((s) => s.action === 'create' && s.version === undefined)).toBe(true);
    expect(plan.policies.map((p) => [p.name, p.action])).toEqual(
      ENVIRONMENTS.map((env) => [`myapp-${env}-read`, 'write']),
    );
    expect(JSON.parse((await root(['list', '--prefix', 'myapp/', '--json'])).stdout)).toEqual([]);
    expect((await root(['policy', 'get', 'myapp-dev-read'])).code).toBe(3);
  });

  it('creates every APP/ENV/NAME with a generated value it never prints, tagged, and a read policy per environment', async () => {
    const done = await setup();
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('9 created, 0 replaced, 0 kept');
    expect(done.stdout).toContain('environments:');
    expect(done.stdout).toContain('${secret:myapp/ENV/db-password}');
    const values = new Set<string>();
    for (const env of ENVIRONMENTS)
      for (const secret of SECRETS) {
        const record = await read(`myapp/${env}/${secret}`);
        plant(record.value);
        expect(record.value).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(record.tags).toMatchObject({ rotation: '30d', app: 'myapp', environment: env });
        expect(done.stdout).not.toContain(record.value);
        values.add(record.value);
      }
    expect(values.size).toBe(9);

    // Vault enforces each environment's policy: dev's token reads dev's secrets and no others.
    const response = await fetch(`${vault.url}/v1/auth/token/create`, {
      method: 'POST',
      headers: { 'x-vault-token': vault.rootToken },
      body: JSON.stringify({ policies: ['myapp-dev-read'], no_default_policy: true }),
    });
    const devToken = ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
    const dev = as(devToken);
    expect((await dev(['get', 'myapp/dev/api-key'])).code).toBe(0);
    expect((await dev(['get', 'myapp/prod/api-key'])).code).toBe(4);
  });

  it('is idempotent: a second run keeps every value; --force replaces them', async () => {
    const before = await read('myapp/prod/jwt-secret');
    const again = await setup('--json');
    expect(again.code, again.stderr).toBe(0);
    const plan = JSON.parse(again.stdout) as Plan;
    expect(plan.secrets.every((s) => s.action === 'keep')).toBe(true);
    expect(plan.policies.every((p) => p.action === 'unchanged')).toBe(true);
    expect(await read('myapp/prod/jwt-secret')).toMatchObject({
      value: before.value,
      version: before.version,
    });

    const forced = await setup('--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('0 created, 9 replaced, 0 kept');
    const after = await read('myapp/prod/jwt-secret');
    plant(after.value);
    expect(after.value).not.toBe(before.value);
    expect(Number(after.version)).toBe(Number(before.version) + 1);
  });

  it('refuses bad input before writing anything (exit 2)', async () => {
    const cases = [
      ['setup-app', 'other', '--environments', 'dev', '--secrets', 'a,a'],
      ['setup-app', 'other', '--environments', ',', '--secrets', 'a'],
      ['setup-app', 'other', '--environments', 'dev', '--secrets', 'a', '--generate', 'dice'],
      ['setup-app', 'other', '--environments', 'dev', '--secrets', 'a', '--rotation', 'monthly'],
      ['setup-app', 'other', '--secrets', 'a'],
    ];
    for (const args of cases) expect((await root(args)).code, args.join(' ')).toBe(2);
    expect(JSON.parse((await root(['list', '--prefix', 'other/', '--json'])).stdout)).toEqual([]);
  });
});
