import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
  startVaultEmulator,
  type VaultEmulator,
} from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStderrClean, plant, type Result, useProject } from './helpers.js';
import { expectSchema } from './schemas.js';

checkStderrClean();

const V = {
  api: plant('diffsync-Api-key-4f1c9e'),
  db: plant('diffsync-Db-password-77ab'),
  dbInVault: plant('diffsync-Db-password-OTHER'),
  smtp: plant('diffsync-Smtp-pass-0c0c'),
  onlyVault: plant('diffsync-Only-in-vault-93'),
  prodApi: plant('diffsync-Prod-api-key-5e'),
};

/** No planted value on stdout (stderr is checked for the whole file). */
function clean(result: Result): Result {
  for (const value of Object.values(V)) expect(result.stdout).not.toContain(value);
  return result;
}

const CONFIG = [
  'environments:',
  '  dev:',
  '    providers:',
  '      - kind: local',
  '      - kind: vault',
  "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', retries: 0, requestTimeout: 3s }",
  '      - kind: aws',
  "        options: { endpoint: '${env:AWS_ENDPOINT}', region: us-east-1, maxAttempts: 1, recoveryWindowDays: 7 }",
  '    defaultWriteProvider: local',
  '  prod:',
  '    providers:',
  '      - kind: local',
  '        options: { path: .hush/prod.enc.json }',
  '',
].join('\n');

describe('diff and sync between the local store, Vault and AWS (emulators, real SDKs)', () => {
  let vault: VaultEmulator;
  let aws: AwsSecretsManagerEmulator;
  let vaultToken: string;
  const { dir, run } = useProject({ 'hush.config.yaml': CONFIG });
  /** hush with the emulators' addresses; `get` prints a value by design, so it is not checked. */
  const raw = (args: string[], input?: string) =>
    run(args, {
      env: {
        VAULT_ADDR: vault.url,
        VAULT_TOKEN: vaultToken,
        AWS_ENDPOINT: aws.url,
        AWS_ACCESS_KEY_ID: aws.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
        HUSH_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      },
      ...(input !== undefined ? { input } : {}),
    });
  const hush = async (args: string[], input?: string) => clean(await raw(args, input));
  const set = async (name: string, value: string, ...extra: string[]) => {
    const result = await hush(['set', name, ...extra], value);
    expect(result.code, result.stderr).toBe(0);
  };

  beforeAll(async () => {
    vault = await startVaultEmulator({
      policies: {
        // Writes anywhere but under b-*: a sync with this token stops half-way.
        'no-b': {
          'secret/*': ['create', 'read', 'update', 'delete', 'list'],
          'secret/data/half/b*': ['deny'],
        },
      },
    });
    aws = await startAwsSecretsManagerEmulator();
    vaultToken = vault.rootToken;
    await set('api-key', V.api);
    await set('db/password', V.db, '--tag', 'team=core');
    await set('smtp/password', V.smtp);
    await set('api-key', V.api, '--provider', 'vault');
    await set('db/password', V.dbInVault, '--provider', 'vault');
    await set('only/vault', V.onlyVault, '--provider', 'vault');
    await set('api-key', V.prodApi, '--env', 'prod');
    await set('db/password', V.db, '--env', 'prod');
  });
  afterAll(async () => {
    await vault?.stop();
    await aws?.stop();
  });

  it('diff names a planted difference and the keys missing on each side, exit 1, no value anywhere', async () => {
    const result = await hush(['diff', '--from', 'local', '--to', 'vault', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expectSchema('diff', report);
    expect(report.agree).toBe(false);
    expect(report.summary).toEqual({ same: 1, differs: 1, missing: 2, total: 4 });
    const byName = Object.fromEntries(report.secrets.map((e: { name: string }) => [e.name, e]));
    expect(byName['api-key'].status).toBe('same');
    expect(byName['api-key'].fingerprints.from).toBe(byName['api-key'].fingerprints.to);
    expect(byName['db/password'].status).toBe('differs');
    expect(byName['smtp/password']).toMatchObject({ status: 'missing', missingFrom: 'to' });
    expect(byName['only/vault']).toMatchObject({ status: 'missing', missingFrom: 'from' });

    const text = await hush(['diff', '--from', 'local', '--to', 'vault']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/differs\s+db\/password/);
    expect(text.stdout).toMatch(/missing\s+smtp\/password\s+not in provider 'vault'/);
    expect(text.stdout).toContain('4 names: 1 same, 1 differ, 2 missing');
  });

  it('fingerprints are keyed per run: the same value never gives the same fingerprint twice', async () => {
    const a = JSON.parse((await hush(['diff', '--from', 'local', '--to', 'vault', '--json'])).stdout);
    const b = JSON.parse((await hush(['diff', '--from', 'local', '--to', 'vault', '--json'])).stdout);
    const print = (r: { secrets: Array<{ name: string; fingerprints?: { from?: string } }> }) =>
      r.secrets.find((e) => e.name === 'api-key')!.fingerprints!.from;
    expect(print(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(print(a)).not.toBe(print(b));
  });

  it('--pattern, --ignore and a renamed key narrow the comparison; agreeing sides exit 0', async () => {
    const narrowed = await hush(['diff', '--from', 'local', '--to', 'vault', '--pattern', 'api-*', '--json']);
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(JSON.parse(narrowed.stdout).summary).toEqual({ same: 1, differs: 0, missing: 0, total: 1 });
    const ignored = await hush([
      'diff',
      '--from',
      'local',
      '--to',
      'vault',
      '--ignore',
      'db/*',
      'smtp/password',
      '--rename',
      'api-key=only/vault',
      '--json',
    ]);
    const report = JSON.parse(ignored.stdout);
    expectSchema('diff', report);
    // api-key is compared with only/vault (a different value); Vault's own api-key has no
    // counterpart any more; the rest is ignored.
    expect(report.secrets).toEqual([
      expect.objectContaining({ name: 'api-key', toName: 'only/vault', status: 'differs' }),
      expect.objectContaining({ name: 'api-key', status: 'missing', missingFrom: 'from' }),
    ]);
    expect(ignored.code).toBe(1);
    writeFileSync(join(dir, 'renames.yaml'), 'api-key: only/vault\n');
    const mapped = await hush([
      'diff',
      '--from',
      'local',
      '--to',
      'vault',
      '--map',
      'renames.yaml',
      '--ignore',
      'db/*',
      'smtp/password',
      '--json',
    ]);
    expect(mapped.code).toBe(1);
    // The same pairs as with --rename (fingerprints are of another run, so not compared).
    const pairs = (r: { secrets: Array<Record<string, unknown>> }) =>
      r.secrets.map(({ fingerprints: _, ...rest }) => rest);
    expect(pairs(JSON.parse(mapped.stdout))).toEqual(pairs(report));
  });

  it('two environments: each side is the environment, exit 1 on the planted difference', async () => {
    const result = await hush(['diff', '--env', 'dev', '--env', 'prod', '--pattern', '*', '--json']);
    const report = JSON.parse(result.stdout);
    expectSchema('diff', report);
    expect(report.from).toEqual({ environment: 'dev' });
    expect(report.to).toEqual({ environment: 'prod' });
    const status = Object.fromEntries(
      report.secrets.map((e: { name: string; status: string }) => [e.name, e.status]),
    );
    // dev serves api-key and db/password from local first; prod's api-key differs.
    expect(status).toMatchObject({ 'api-key': 'differs', 'db/password': 'same', 'only/vault': 'missing' });
    expect(result.code).toBe(1);
  });

  it('an unreachable side exits 5 for diff and sync, naming the side', async () => {
    vault.faults.set({ outage: true });
    try {
      const diff = await hush(['diff', '--from', 'local', '--to', 'vault']);
      expect(diff.code).toBe(5);
      expect(diff.stderr).toContain("provider 'vault' is unreachable");
      const sync = await hush(['sync', '--from', 'local', '--to', 'vault']);
      expect(sync.code).toBe(5);
      const env = await hush(['diff', '--env', 'dev', '--env', 'prod']);
      expect(env.code).toBe(5);
      expect(env.stderr).toContain("environment 'dev' is unreachable");
    } finally {
      vault.faults.clear();
    }
  });

  it('sync: a dry run plans, a run applies and verifies, a second run plans nothing', async () => {
    const dry = await hush(['sync', '--from', 'local', '--to', 'vault', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expectSchema('sync', plan);
    expect(plan.plan).toEqual({ create: 1, update: 1, delete: 0 });
    expect(plan.steps).toEqual([
      { name: 'db/password', action: 'update' },
      { name: 'smtp/password', action: 'create' },
    ]);
    expect(plan.applied).toEqual([]);
    expect((await hush(['diff', '--from', 'local', '--to', 'vault'])).code).toBe(1);

    const first = await hush(['sync', '--from', 'local', '--to', 'vault', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const done = JSON.parse(first.stdout);
    expectSchema('sync', done);
    expect(done.applied).toHaveLength(2);
    expect(done.verify).toEqual({ checked: 2, matched: 2, mismatched: [] });
    const read = await raw(['get', 'db/password', '--provider', 'vault']);
    expect(read.stdout).toBe(`${V.db}\n`);

    const second = await hush(['sync', '--from', 'local', '--to', 'vault']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('local -> vault: in sync, nothing to do');
    // only/vault is still there: no --prune.
    const diff = await hush(['diff', '--from', 'local', '--to', 'vault', '--json']);
    expect(JSON.parse(diff.stdout).summary).toEqual({ same: 3, differs: 0, missing: 1, total: 4 });
  });

  it('sync --prune deletes what the source lacks; then diff agrees (exit 0)', async () => {
    const text = await hush(['sync', '--from', 'local', '--to', 'vault', '--prune']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('0 to create, 0 to update, 1 to delete');
    expect(text.stdout).toMatch(/delete\s+only\/vault/);
    expect(text.stdout).toContain('verify: 1/1 agree');
    const diff = await hush(['diff', '--from', 'local', '--to', 'vault']);
    expect(diff.code, diff.stdout).toBe(0);
    expect(diff.stdout).toContain('3 names: 3 same, 0 differ, 0 missing');
  });

  it('a failure half-way reports what was applied and what is left; the next run finishes it', async () => {
    await set('half/a', plant('diffsync-half-a-value'));
    await set('half/b', plant('diffsync-half-b-value'));
    await set('half/c', plant('diffsync-half-c-value'));
    vaultToken = vault.createToken({ policies: ['no-b'] });
    let stopped: Result;
    try {
      stopped = await hush(['sync', '--from', 'local', '--to', 'vault', '--pattern', 'half/*', '--json']);
    } finally {
      vaultToken = vault.rootToken;
    }
    expect(stopped.code).toBe(4);
    const report = JSON.parse(stopped.stdout);
    expectSchema('sync', report);
    expect(report.applied).toEqual([{ name: 'half/a', action: 'create' }]);
    expect(report.failed).toMatchObject({ name: 'half/b', action: 'create', code: 'ACCESS_DENIED' });
    expect(report.pending).toEqual([{ name: 'half/c', action: 'create' }]);
    expect(report.verify).toBeNull();
    expect(stopped.stderr).toContain('1 of 3 changes were applied; run the same command again to finish');

    const again = await hush(['sync', '--from', 'local', '--to', 'vault', '--pattern', 'half/*', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const finished = JSON.parse(again.stdout);
    expect(finished.steps).toEqual([
      { name: 'half/b', action: 'create' },
      { name: 'half/c', action: 'create' },
    ]);
    expect(finished.verify).toEqual({ checked: 2, matched: 2, mismatched: [] });
  });

  it('local to AWS Secrets Manager: sync, tags kept, a second sync is idempotent, diff agrees', async () => {
    const first = await hush([
      'sync',
      '--from',
      'local',
      '--to',
      'aws',
      '--pattern',
      '{api-key,db/*,smtp/*}',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).plan).toEqual({ create: 3, update: 0, delete: 0 });
    const listed = JSON.parse((await hush(['list', '--provider', 'aws', '--json'])).stdout);
    expect(listed.find((s: { key: string }) => s.key === 'db/password').tags).toMatchObject({ team: 'core' });
    const second = await hush([
      'sync',
      '--from',
      'local',
      '--to',
      'aws',
      '--pattern',
      '{api-key,db/*,smtp/*}',
      '--json',
    ]);
    expect(JSON.parse(second.stdout).plan).toEqual({ create: 0, update: 0, delete: 0 });
    await set('api-key', plant('diffsync-changed-in-aws'), '--provider', 'aws');
    const diff = await hush([
      'diff',
      '--from',
      'aws',
      '--to',
      'local',
      '--pattern',
      '{api-key,db/*,smtp/*}',
      '--json',
    ]);
    expect(diff.code).toBe(1);
    expect(JSON.parse(diff.stdout).secrets.find((e: { name: string }) => e.name === 'api-key').status).toBe(
      'differs',
    );
  });

  it('usage errors: one side only, the same side twice, a read-only target', async () => {
    expect((await hush(['diff', '--from', 'local'])).code).toBe(2);
    expect((await hush(['diff', '--from', 'local', '--to', 'local'])).code).toBe(2);
    expect((await hush(['diff', '--from', 'local', '--to', 'nope'])).code).toBe(2);
    expect((await hush(['sync', '--from', 'local'])).code).toBe(2);
  });
});
