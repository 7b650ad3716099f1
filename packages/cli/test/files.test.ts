import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkStderrClean, hush, plant, tempProject, useProject } from './helpers.js';

checkStderrClean();

const PASSWORD = plant('render-Pa55-word-777');
const JSON_SECRET = plant('{"host":"db.internal","password":"fi3ld-Pa55word"}');
plant('fi3ld-Pa55word');
const LEAKY = plant('leaky-Token-value-5150');

describe('render', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    expect((await run(['set', 'db/password'], { input: PASSWORD })).code).toBe(0);
    expect((await run(['set', 'db/conn'], { input: JSON_SECRET })).code).toBe(0);
  });

  it('resolves references in any text file, writing the output 0600', async () => {
    writeFileSync(
      join(dir, 'app.yaml'),
      'db:\n  password: ${secret:db/password}\n  host: ${secret:db/conn#host}\n  url: "postgres://u:${secret:db/conn#password}@h"\n  pool: ${secret:pool-size:10}\n  literal: $${secret:db/password}\n',
    );
    writeFileSync(join(dir, 'out.yaml'), 'old', { mode: 0o644 });
    const result = await run(['render', 'app.yaml', '-o', 'out.yaml']);
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(join(dir, 'out.yaml')).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(join(dir, 'out.yaml'), 'utf8'))).toEqual({
      db: {
        password: PASSWORD,
        host: 'db.internal',
        url: 'postgres://u:fi3ld-Pa55word@h',
        pool: 10,
        literal: '${secret:db/password}',
      },
    });
    const stdout = await run(['render', 'app.yaml']);
    expect(stdout.stdout).toContain(`password: ${PASSWORD}`);
    const json = JSON.parse((await run(['render', 'app.yaml', '--json'])).stdout);
    expect(json).toMatchObject({ template: 'app.yaml', output: null, references: 4 });
    expect(json.content).toBe(stdout.stdout);
    const summary = JSON.parse((await run(['render', 'app.yaml', '-o', 'out2.yaml', '--json'])).stdout);
    expect(summary).toEqual({ template: 'app.yaml', output: 'out2.yaml', references: 4 });
    expect(readFileSync(join(dir, 'out2.yaml'), 'utf8')).toBe(stdout.stdout);
  });

  it('reports every unresolved reference at once with line:column (exit 3) and writes nothing', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      '{\n  "a": "${secret:missing-one}",\n  "b": "${secret:db/password} ${secret:db/conn#nofield}",\n  "c": "${secret:missing-two}"\n}\n',
    );
    const result = await run(['render', 'bad.json', '-o', 'never.json']);
    expect(result.code).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('hush: 3 unresolved secret references in bad.json');
    expect(lines.slice(1)).toEqual([
      '  bad.json:2:9: ${secret:missing-one} (not found)',
      "  bad.json:3:31: ${secret:db/conn#nofield} (no field 'nofield')",
      '  bad.json:4:9: ${secret:missing-two} (not found)',
    ]);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
    expect((await run(['render', 'no-such-file'])).code).toBe(1);
  });
});

describe('import and export', () => {
  const { dir, run } = useProject();

  it('imports dotenv with quotes, escapes, comments and export; --dry-run changes nothing', async () => {
    writeFileSync(
      join(dir, '.env'),
      [
        '# database',
        'export DB_URL="postgres://u:p@h/db?x=1"',
        "SINGLE='literal $HOME \\n'",
        'MULTI="line one\\nline \\"two\\""',
        'PLAIN=plain value # trailing comment',
        'EMPTY=',
        'HASH=abc#def',
        '',
      ].join('\n'),
    );
    const dry = await run(['import', '.env', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual(['+ db-url', '+ single', '+ multi', '+ plain', '+ hash']);
    expect(dry.stderr).toContain('skipped 1 empty value (EMPTY)');
    expect((await run(['list', '--json'])).stdout.trim()).toBe('[]');
    const result = await run(['import', '.env']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('imported 5 secrets into local (5 new, 0 updated)');
    const get = async (name: string) => (await run(['get', name])).stdout;
    expect(await get('db-url')).toBe('postgres://u:p@h/db?x=1\n');
    expect(await get('single')).toBe('literal $HOME \\n\n');
    expect(await get('multi')).toBe('line one\nline "two"\n');
    expect(await get('plain')).toBe('plain value\n');
    expect(await get('hash')).toBe('abc#def\n');
  });

  it('imports nested JSON and YAML maps as paths with their names exactly, with --prefix', async () => {
    writeFileSync(
      join(dir, 'secrets.json'),
      JSON.stringify({ database: { PASSWORD: 'json-nested-1', port: 5432 }, API_TOKEN: 'json-token-2' }),
    );
    expect((await run(['import', 'secrets.json', '--prefix', 'svc/'])).code).toBe(0);
    writeFileSync(join(dir, 'secrets.yaml'), 'smtp:\n  user: mailer\n  pass: "yaml-pass-3"\n');
    expect((await run(['import', 'secrets.yaml'])).code).toBe(0);
    const names = (
      JSON.parse((await run(['list', '--json', '--pattern', '**'])).stdout) as Array<{ key: string }>
    ).map((s) => s.key);
    expect(names).toEqual(
      expect.arrayContaining([
        'svc/database/PASSWORD',
        'svc/database/port',
        'svc/API_TOKEN',
        'smtp/user',
        'smtp/pass',
      ]),
    );
    expect((await run(['get', 'svc/database/port'])).stdout).toBe('5432\n');
    const broken = await run(['import', 'bad.env'], { input: '' });
    expect(broken.code).toBe(1);
    writeFileSync(join(dir, 'broken.json'), `{\n  "token": "${LEAKY}" oops\n}`);
    const json = await run(['import', 'broken.json']);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('hush: broken.json: not valid JSON: syntax error at line 2, column 37\n');
    writeFileSync(join(dir, 'broken.yaml'), `a: 1\n  b: ${LEAKY}\n c: [\n`);
    const yaml = await run(['import', 'broken.yaml']);
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(
      /^hush: broken\.yaml: not valid YAML: syntax error at line \d+, column \d+\n$/,
    );
    writeFileSync(join(dir, 'leaky.env'), `GOOD=1\n${LEAKY}\n`);
    const env = await run(['import', 'leaky.env']);
    expect(env.stderr).toBe(
      'hush: leaky.env:2: expected KEY=value (the line is not shown: it may hold a value)\n',
    );
    writeFileSync(join(dir, 'broken.env'), 'GOOD=1\nthis is not a line\n');
    const syntax = await run(['import', 'broken.env']);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain('broken.env:2:');
  });

  it('export masks values unless --reveal, and writes 0600 files', async () => {
    const masked = await run(['export', '--pattern', 'db-*']);
    expect(masked.code).toBe(0);
    expect(masked.stdout).toBe('DB_URL="***"\n');
    expect(masked.stderr).toContain('--reveal');
    const revealed = await run(['export', '--reveal', '--format', 'json', '-o', 'dump.json']);
    expect(revealed.code).toBe(0);
    expect(statSync(join(dir, 'dump.json')).mode & 0o777).toBe(0o600);
    const dump = JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8'));
    expect(dump.multi).toBe('line one\nline "two"');
    const k8s = parse(
      (await run(['export', '--reveal', '--format', 'k8s-secret', '--pattern', 'smtp/*', '--name', 'mail']))
        .stdout,
    );
    expect(k8s).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mail' },
      type: 'Opaque',
    });
    expect(Buffer.from(k8s.data.SMTP_PASS, 'base64').toString()).toBe('yaml-pass-3');
    const yaml = parse((await run(['export', '--reveal', '--format', 'yaml', '--prefix', 'smtp/'])).stdout);
    expect(yaml).toEqual({ 'smtp/pass': 'yaml-pass-3', 'smtp/user': 'mailer' });
    // The global --json asks for JSON when no --format is given.
    const json = await run(['export', '--json', '--prefix', 'smtp/']);
    expect(JSON.parse(json.stdout)).toEqual({ 'smtp/pass': '***', 'smtp/user': '***' });
    const both = await run(['export', '--json', '--format', 'dotenv', '--prefix', 'smtp/']);
    expect(both.stdout).toBe('SMTP_PASS="***"\nSMTP_USER="***"\n');
  });

  it('round trip: export --reveal (dotenv and JSON) then import into a fresh project gives the same values', async () => {
    const dotenv = await run(['export', '--reveal', '-o', 'all.env', '--pattern', '*']);
    expect(dotenv.code).toBe(0);
    const original = JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8')) as Record<string, string>;
    const fresh = tempProject();
    const env = { HUSH_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') };
    writeFileSync(join(fresh, 'all.env'), readFileSync(join(dir, 'all.env')));
    writeFileSync(join(fresh, 'dump.json'), readFileSync(join(dir, 'dump.json')));
    expect((await hush(['import', 'all.env', '--prefix', 'fromenv/'], { cwd: fresh, env })).code).toBe(0);
    expect((await hush(['import', 'dump.json'], { cwd: fresh, env })).code).toBe(0);
    const back = await hush(['export', '--reveal', '--format', 'json'], { cwd: fresh, env });
    const exported = JSON.parse(back.stdout) as Record<string, string>;
    for (const [name, value] of Object.entries(original)) expect(exported[name], name).toBe(value);
    for (const name of ['db-url', 'multi', 'single', 'plain', 'empty', 'hash'])
      expect(exported[`fromenv/${name}`], name).toBe(original[name]);
  });
});

describe('copy between two local stores', () => {
  const { dir, run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - { kind: local, name: old, options: { path: .hush/old.enc.json } }',
      '      - { kind: local, name: new, options: { path: .hush/new.enc.json } }',
      '    defaultWriteProvider: old',
      '',
    ].join('\n'),
  });

  beforeAll(async () => {
    for (const [name, value] of [
      ['app/a', 'copy-value-a1'],
      ['app/b', 'copy-value-b2'],
      ['other/c', 'copy-value-c3'],
    ] as const)
      expect((await run(['set', name, '--tag', 'origin=old'], { input: value })).code).toBe(0);
    expect((await run(['set', 'app/b', '--provider', 'new'], { input: 'different-in-new' })).code).toBe(0);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    const result = await run(['copy', '--from', 'old', '--to', 'new', '--pattern', 'app/*', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/copy\s+app\/a/);
    expect(result.stdout).toMatch(/skip\s+app\/b/);
    expect((await run(['get', 'app/a', '--provider', 'new'])).code).toBe(3);
  });

  it('copies with tags, skips a different existing value, and verifies both sides', async () => {
    const result = await run(['copy', '--from', 'old', '--to', 'new', '--verify', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      copied: 2,
      skipped: 1,
      unchanged: 0,
      failed: 0,
      verify: { checked: 2, matched: 2, mismatched: [] },
    });
    const copied = JSON.parse((await run(['get', 'app/a', '--provider', 'new', '--json'])).stdout);
    expect(copied).toMatchObject({ value: 'copy-value-a1', tags: { origin: 'old' } });
    expect((await run(['get', 'app/b', '--provider', 'new'])).stdout).toBe('different-in-new\n');
    const again = await run(['copy', '--from', 'old', '--to', 'new', '--overwrite', '--verify']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('copied 1, unchanged 2, skipped 0');
    expect(again.stdout).toContain('verify: 3/3 identical');
    expect((await run(['get', 'app/b', '--provider', 'new'])).stdout).toBe('copy-value-b2\n');
    expect((await run(['copy', '--from', 'old', '--to', 'nope'])).code).toBe(2);
    expect((await run(['copy', '--from', 'old'])).code).toBe(2);
    expect(existsSync(join(dir, '.hush/new.enc.json'))).toBe(true);
  });

  it('a target that cannot be read fails the copy (exit 1) with one error line', async () => {
    writeFileSync(join(dir, '.hush/new.enc.json'), '{"cut": ', { mode: 0o600 });
    const result = await run(['copy', '--from', 'old', '--to', 'new', '--verify']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hush: store .*new\.enc\.json is not valid JSON/);
    expect(result.stdout).not.toContain('identical');
  });
});

describe('rekey', () => {
  const { dir, run } = useProject();

  it('re-encrypts under a new key file and keeps the old key as a backup', async () => {
    expect((await run(['set', 'kept'], { input: 'rekey-value-1' })).code).toBe(0);
    const oldKey = readFileSync(join(dir, '.hush/master.key'), 'utf8').trim();
    const result = await run(['rekey']);
    expect(result.code, result.stderr).toBe(0);
    const newKey = readFileSync(join(dir, '.hush/master.key'), 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(statSync(join(dir, '.hush/master.key')).mode & 0o777).toBe(0o600);
    const backups = readdirSync(join(dir, '.hush')).filter(
      (f) => f.startsWith('master.key.') && f.endsWith('.bak'),
    );
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, '.hush', backups[0]!), 'utf8').trim()).toBe(oldKey);
    expect(result.stderr).toContain('update every other copy of the key');
    expect(result.stdout).not.toContain(newKey);
    expect((await run(['get', 'kept'])).stdout).toBe('rekey-value-1\n');
    expect((await run(['get', 'kept'], { env: { HUSH_MASTER_KEY: oldKey } })).code).toBe(1);
  });

  it('with HUSH_MASTER_KEY prints the new key and says to update the variable', async () => {
    const project = tempProject();
    const key = Buffer.alloc(32, 5).toString('base64');
    expect(
      (
        await hush(['set', 'env-kept'], {
          cwd: project,
          env: { HUSH_MASTER_KEY: key },
          input: 'rekey-value-2',
        })
      ).code,
    ).toBe(0);
    const result = await hush(['rekey'], { cwd: project, env: { HUSH_MASTER_KEY: key } });
    expect(result.code, result.stderr).toBe(0);
    const newKey = result.stdout.trim();
    expect(Buffer.from(newKey, 'base64')).toHaveLength(32);
    expect(result.stderr).toContain('Update HUSH_MASTER_KEY everywhere');
    expect((await hush(['get', 'env-kept'], { cwd: project, env: { HUSH_MASTER_KEY: newKey } })).stdout).toBe(
      'rekey-value-2\n',
    );
  });
});

describe('rekey of every store that shares the key', () => {
  const { dir, run } = useProject();

  it("rekeys hush init's dev and prod stores together, so that both still open", async () => {
    expect((await run(['set', 'dev-kept'], { input: 'shared-dev-value' })).code).toBe(0);
    expect((await run(['--env', 'prod', 'set', 'prod-kept'], { input: 'shared-prod-value' })).code).toBe(0);
    // staging's store is under another key (given by HUSH_MASTER_KEY, as CI would): not shared.
    const other = { HUSH_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') };
    const staging = await run(['--env', 'staging', 'set', 'own-key'], { input: 'staging-value', env: other });
    expect(staging.code, staging.stderr).toBe(0);
    const result = await run(['rekey', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { stores: string[]; protection: string };
    expect(report.protection).toBe('master-key');
    expect(report.stores).toEqual([join(dir, '.hush/secrets.enc.json'), join(dir, '.hush/prod.enc.json')]);
    expect(result.stderr).toContain('hush: warning: left .hush/staging.enc.json as it is: wrong master key');
    expect((await run(['get', 'dev-kept'])).stdout).toBe('shared-dev-value\n');
    expect((await run(['--env', 'prod', 'get', 'prod-kept'])).stdout).toBe('shared-prod-value\n');
    expect((await run(['--env', 'staging', 'get', 'own-key'], { env: other })).stdout).toBe(
      'staging-value\n',
    );
  });
});

describe('rekey of a passphrase store', () => {
  const OLD = plant('old-Passphrase-4321');
  const NEW = plant('new-Passphrase-8765');
  const config = (passphrase: boolean) =>
    [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '        options:',
      '          path: .hush/pp.enc.json',
      ...(passphrase ? ['          passphrase: ${env:APP_PASSPHRASE}'] : []),
      // The lowest cost provider-local accepts: the tests derive keys many times.
      '          scrypt: { N: 16384, r: 8, p: 1 }',
      '',
    ].join('\n');
  const { dir, run } = useProject({ 'hush.config.yaml': config(true) }, { init: false });

  it('takes the new passphrase from stdin; the old one stops opening the store', async () => {
    const set = await run(['set', 'pp-kept'], { input: 'pp-value', env: { APP_PASSPHRASE: OLD } });
    expect(set.code, set.stderr).toBe(0);
    const result = await run(['rekey'], { input: `${NEW}\n`, env: { APP_PASSPHRASE: OLD } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('re-encrypted under the new passphrase');
    expect(result.stderr).toContain("give provider 'local' the new passphrase");
    expect(result.stdout + result.stderr).not.toContain(NEW);
    expect((await run(['get', 'pp-kept'], { env: { APP_PASSPHRASE: OLD } })).code).toBe(1);
    expect((await run(['get', 'pp-kept'], { env: { APP_PASSPHRASE: NEW } })).stdout).toBe('pp-value\n');
  });

  it('refuses an empty passphrase and both --passphrase and --master-key (exit 2), changing nothing', async () => {
    const empty = await run(['rekey'], { input: '', env: { APP_PASSPHRASE: NEW } });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no new passphrase on stdin');
    const both = await run(['rekey', '--passphrase', '--master-key'], { env: { APP_PASSPHRASE: NEW } });
    expect(both.code).toBe(2);
    expect((await run(['get', 'pp-kept'], { env: { APP_PASSPHRASE: NEW } })).stdout).toBe('pp-value\n');
  });

  it('--master-key moves it to a new key file; --passphrase moves it back', async () => {
    const result = await run(['rekey', '--master-key'], { env: { APP_PASSPHRASE: NEW } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("remove the passphrase option of provider 'local'");
    expect(statSync(join(dir, '.hush/master.key')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'hush.config.yaml'), config(false));
    expect((await run(['get', 'pp-kept'])).stdout).toBe('pp-value\n');

    const back = await run(['rekey', '--passphrase'], { input: OLD });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain('add the passphrase to provider');
    writeFileSync(join(dir, 'hush.config.yaml'), config(true));
    expect((await run(['get', 'pp-kept'], { env: { APP_PASSPHRASE: OLD } })).stdout).toBe('pp-value\n');
  });

  it('without a configuration file, refuses to move a store to a passphrase (exit 2)', async () => {
    const plain = tempProject();
    const key = Buffer.alloc(32, 9).toString('base64');
    expect((await hush(['set', 'k'], { cwd: plain, input: 'v', env: { HUSH_MASTER_KEY: key } })).code).toBe(
      0,
    );
    const refused = await hush(['rekey', '--passphrase'], {
      cwd: plain,
      input: NEW,
      env: { HUSH_MASTER_KEY: key },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('hint: run `hush init`');
    expect((await hush(['get', 'k'], { cwd: plain, env: { HUSH_MASTER_KEY: key } })).stdout).toBe('v\n');
  });
});

describe('rekey of passphrase stores that share the passphrase', () => {
  const OLD = plant('shared-Old-Passphrase-1');
  const NEW = plant('shared-New-Passphrase-2');
  const OWN = plant('own-Passphrase-of-ci-3');
  const local = (path: string, variable: string) => [
    '    providers:',
    '      - kind: local',
    `        options: { path: ${path}, passphrase: "\${env:${variable}}", scrypt: { N: 16384, r: 8, p: 1 } }`,
  ];
  const { run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        ...local('.hush/dev.enc.json', 'APP_PASSPHRASE'),
        '  prod:',
        ...local('.hush/prod.enc.json', 'APP_PASSPHRASE'),
        '  ci:',
        ...local('.hush/ci.enc.json', 'CI_PASSPHRASE'),
        '',
      ].join('\n'),
    },
    { init: false },
  );

  it('rekeys every store given the same passphrase, and leaves the others', async () => {
    const before = { APP_PASSPHRASE: OLD, CI_PASSPHRASE: OWN };
    for (const env of ['dev', 'prod', 'ci'])
      expect((await run(['--env', env, 'set', 'kept'], { input: `${env}-value`, env: before })).code).toBe(0);
    const result = await run(['rekey', '--json'], { input: NEW, env: before });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).stores.map((p: string) => p.replace(/.*\/\.hush\//, ''))).toEqual([
      'dev.enc.json',
      'prod.enc.json',
    ]);
    const after = { APP_PASSPHRASE: NEW, CI_PASSPHRASE: OWN };
    for (const env of ['dev', 'prod', 'ci'])
      expect((await run(['--env', env, 'get', 'kept'], { env: after })).stdout).toBe(`${env}-value\n`);
  });
});
