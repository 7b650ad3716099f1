import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkStderrClean, hush, plant, type Result, tempProject, useProject } from './helpers.js';
import { expectSchema } from './schemas.js';

checkStderrClean();

const KEY = Buffer.alloc(32, 33).toString('base64');
const BAD_URL = plant('mysql://app:Chk-pw-1@db/app');
const GOOD_URL = plant('postgres://app:Chk-pw-2@db/app');
const PROD_URL = plant('postgres://app:Chk-pw-3@db/app?sslmode=require');
const CREDS_MISSING = plant('{"username":"app-Chk-user"}');
const CREDS = plant('{"username":"app-Chk-user","password":"Chk-db-pw-42"}');
const API_KEY = plant('Chk-api-key-0123456789abcdef');
const VALUES = [BAD_URL, GOOD_URL, PROD_URL, CREDS_MISSING, CREDS, API_KEY, 'Chk-pw-1', 'Chk-db-pw-42'];

function clean(result: Result): Result {
  for (const value of VALUES) expect(result.stdout).not.toContain(value);
  return result;
}

const SCHEMA = [
  'schema:',
  '  db/url:',
  '    description: The database',
  '    required: true',
  "    pattern: '^postgres(ql)?://'",
  '    environments:',
  "      prod: { pattern: '^postgres(ql)?://.*sslmode=require' }",
  '  db/creds:',
  '    json: true',
  '    fields: [username, password]',
  '  api-key:',
  '    minLength: 20',
  '    rotation: 90d',
  '  feature/flag:',
  '    required: false',
  '',
].join('\n');

const CONFIG = [
  'environments:',
  '  dev:',
  '    providers: [{ kind: local }]',
  '  prod:',
  '    providers: [{ kind: local, options: { path: .hush/prod.enc.json } }]',
  SCHEMA,
].join('\n');

describe('hush check: the schema: section against the providers', () => {
  const { run } = useProject({ 'hush.config.yaml': CONFIG }, { init: false });
  const cmd = async (args: string[], input?: string) =>
    run(args, { env: { HUSH_MASTER_KEY: KEY }, ...(input !== undefined ? { input } : {}) });

  it('a missing required key, a bad pattern and a JSON secret missing a field are reported at once (exit 1)', async () => {
    expect((await cmd(['set', 'db/url'], BAD_URL)).code).toBe(0);
    expect((await cmd(['set', 'db/creds'], CREDS_MISSING)).code).toBe(0);
    const result = clean(await cmd(['check', '--json']));
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expectSchema('check', report);
    expect(report).toMatchObject({ environment: 'dev', ok: false, checked: 4, failures: 3 });
    expect(report.results).toEqual([
      {
        name: 'db/url',
        status: 'failed',
        reasons: ['does not match the pattern ^postgres(ql)?://'],
        warnings: [],
      },
      { name: 'db/creds', status: 'failed', reasons: ['JSON field missing: password'], warnings: [] },
      { name: 'api-key', status: 'failed', reasons: ['missing (required)'], warnings: [] },
      { name: 'feature/flag', status: 'absent', reasons: [], warnings: [] },
    ]);
    const text = clean(await cmd(['check']));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/db\/url\s+failed\s+does not match the pattern/);
    expect(text.stdout).toMatch(/api-key\s+failed\s+missing \(required\)/);
    expect(text.stdout).toContain("3 of 4 declared secrets failed in environment 'dev'");
  });

  it('every rule holding exits 0; a rule of another environment is checked there', async () => {
    expect((await cmd(['set', 'db/url'], GOOD_URL)).code).toBe(0);
    expect((await cmd(['set', 'db/creds'], CREDS)).code).toBe(0);
    expect((await cmd(['set', 'api-key'], API_KEY)).code).toBe(0);
    const ok = clean(await cmd(['check']));
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain("all 4 declared secrets hold in environment 'dev'");

    for (const name of ['db/creds', 'api-key'])
      expect((await cmd(['set', name, '--env', 'prod'], name === 'api-key' ? API_KEY : CREDS)).code).toBe(0);
    expect((await cmd(['set', 'db/url', '--env', 'prod'], GOOD_URL)).code).toBe(0);
    const prod = JSON.parse(clean(await cmd(['check', '--env', 'prod', '--json'])).stdout);
    expect(prod.results[0]).toMatchObject({
      name: 'db/url',
      status: 'failed',
      reasons: ['does not match the pattern ^postgres(ql)?://.*sslmode=require'],
    });
    expect((await cmd(['set', 'db/url', '--env', 'prod'], PROD_URL)).code).toBe(0);
    expect((await cmd(['check', '--env', 'prod'])).code).toBe(0);
  });

  it('a short value and a value that is not JSON are failures too', async () => {
    expect((await cmd(['set', 'api-key'], plant('Chk-short'))).code).toBe(0);
    expect((await cmd(['set', 'db/creds'], plant('Chk-not-json'))).code).toBe(0);
    const report = JSON.parse(clean(await cmd(['check', '--json'])).stdout);
    const reasons = Object.fromEntries(
      report.results.map((r: { name: string; reasons: string[] }) => [r.name, r.reasons]),
    );
    expect(reasons['api-key']).toEqual(['shorter than 20 characters']);
    expect(reasons['db/creds']).toEqual(['not a JSON object']);
  });
});

describe('the schema: section is validated, every problem named by its path', () => {
  it('a bad pattern, an unknown setting, a bad rotation and an unknown environment, in one error', async () => {
    const dir = tempProject({
      'hush.config.yaml': [
        'environments:',
        '  dev: { providers: [{ kind: local }] }',
        'schema:',
        "  db/url: { pattern: '(unclosed' }",
        '  api-key: { minLenght: 20, rotation: soon }',
        '  other: { environments: { staging: { required: false } } }',
        '',
      ].join('\n'),
    });
    for (const command of ['check', 'types']) {
      const result = await hush([command], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'hush.config.yaml: schema.db/url.pattern: not a valid regular expression',
      );
      expect(result.stderr).toContain("schema.api-key.minLenght: unknown setting 'minLenght'");
      expect(result.stderr).toContain("schema.api-key.rotation: expected a duration such as '30d'");
      expect(result.stderr).toContain('schema.other.environments.staging');
    }
  });

  it('the list form (entries with a name) is accepted; a name declared twice is not', async () => {
    const config = (entries: string[]) =>
      ['environments:', '  dev: { providers: [{ kind: local }] }', 'schema:', ...entries, ''].join('\n');
    const good = tempProject({
      'hush.config.yaml': config([
        '  - { name: db/url, required: false }',
        '  - { name: api-key, minLength: 8 }',
      ]),
    });
    const checked = await hush(['check', '--json'], { cwd: good, env: { HUSH_MASTER_KEY: KEY } });
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout).results.map((r: { status: string }) => r.status)).toEqual([
      'absent',
      'failed',
    ]);
    const twice = tempProject({ 'hush.config.yaml': config(['  - { name: a }', '  - { name: a }']) });
    const refused = await hush(['check'], { cwd: twice, env: { HUSH_MASTER_KEY: KEY } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("schema[1].name: 'a' is declared twice");
  });

  it('json: { required: [...] } is json: true with those fields, for check and types', async () => {
    const dir = tempProject({
      'hush.config.yaml': [
        'environments:',
        '  dev: { providers: [{ kind: local }] }',
        'schema:',
        '  db/creds: { json: { required: [username, password] } }',
        '  other: { json: { require: [x] } }',
        '',
      ].join('\n'),
    });
    const env = { HUSH_MASTER_KEY: KEY };
    const bad = await hush(['check'], { cwd: dir, env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('schema.other.json');
    writeFileSync(
      join(dir, 'hush.config.yaml'),
      [
        'environments:',
        '  dev: { providers: [{ kind: local }] }',
        'schema:',
        '  db/creds: { json: { required: [username, password] } }',
        '',
      ].join('\n'),
    );
    expect((await hush(['set', 'db/creds'], { cwd: dir, env, input: CREDS_MISSING })).code).toBe(0);
    const checked = clean(await hush(['check', '--json'], { cwd: dir, env }));
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout).results[0].reasons).toEqual(['JSON field missing: password']);
    const types = await hush(['types'], { cwd: dir, env });
    expect(types.stdout).toContain(
      "'db/creds': { required: true; json: true; fields: readonly ['username', 'password'] };",
    );
  });

  it('no schema: section is a usage error naming what to add', async () => {
    const dir = tempProject({
      'hush.config.yaml': 'environments:\n  dev: { providers: [{ kind: local }] }\n',
    });
    const result = await hush(['check'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no schema: section');
  });
});

const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const CORE = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'core');

function tsc(dir: string): { code: number; output: string } {
  try {
    execFileSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, output: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe('hush types: declarations that make a wrong secret name fail to compile', () => {
  const project = () => {
    const dir = tempProject({ 'hush.config.yaml': CONFIG });
    mkdirSync(join(dir, 'node_modules', '@hush'), { recursive: true });
    symlinkSync(CORE, join(dir, 'node_modules', '@hush', 'core'));
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(
      join(CORE, '..', '..', 'node_modules', '@types', 'node'),
      join(dir, 'node_modules', '@types', 'node'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: ['node'],
        },
        include: ['*.ts'],
      }),
    );
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    return dir;
  };
  const usage = (body: string) =>
    [
      "import { defineSecrets, type SecretManager } from '@hush/core';",
      'declare const manager: SecretManager;',
      'const secrets = defineSecrets(manager);',
      'export async function main(): Promise<void> {',
      body,
      '}',
      '',
    ].join('\n');

  it('generates declarations (stdout or -o) that a program compiles against; wrong names fail', async () => {
    const dir = project();
    const printed = await hush(['types'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain("declare module '@hush/core'");
    expect(printed.stdout).toContain(
      "'db/creds': { required: true; json: true; fields: readonly ['username', 'password'] };",
    );
    expect(printed.stdout).toContain("'feature/flag': { required: false };");
    const written = await hush(['types', '-o', 'hush.d.ts'], { cwd: dir, env: { HUSH_MASTER_KEY: KEY } });
    expect(written.code, written.stderr).toBe(0);

    writeFileSync(
      join(dir, 'usage.ts'),
      usage(
        [
          "  const url = await secrets.getSecret('db/url', { required: true });",
          '  const value: string = url.value;',
          "  await secrets.getSecret('db/creds#password');",
          "  const config = await secrets.resolve({ db: { url: '${secret:db/url}', pool: 5 }, key: '${secret:api-key}' });",
          '  const typed: { db: { url: string; pool: number }; key: string } = config;',
          '  // @ts-expect-error not declared in the schema',
          "  await secrets.getSecret('db/ur1');",
          '  // @ts-expect-error not a field of db/creds',
          "  await secrets.getSecret('db/creds#pasword');",
          '  // @ts-expect-error a reference to an undeclared secret',
          "  await secrets.resolve({ url: '${secret:db/ur1}' });",
          '  void value;',
          '  void typed;',
        ].join('\n'),
      ),
    );
    const compiled = tsc(dir);
    expect(compiled.code, compiled.output).toBe(0);

    writeFileSync(join(dir, 'usage.ts'), usage("  await secrets.getSecret('db/ur1');"));
    const wrong = tsc(dir);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain('usage.ts(5,');
    expect(wrong.output).toContain('"db/ur1"');
  }, 300_000);
});
