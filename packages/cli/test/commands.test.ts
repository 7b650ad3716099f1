import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const DB = plant('pg-Pa55word-f00-bar');
const API = plant('sk_live_0123456789abcdef');
const JSON_SECRET = plant('{"user":"admin","password":"js0n-Pa55-w0rd"}');
plant('js0n-Pa55-w0rd');

describe('command line parsing', () => {
  const { run } = useProject({}, { init: false });

  it('prints the version and help, exit 0', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'init',
      'get',
      'set',
      'list',
      'delete',
      'versions',
      'rollback',
      'rotate',
      'health',
      'run',
      'render',
      'import',
      'export',
      'copy',
      'rekey',
      'keygen',
      'reseal',
      'audit',
      'grant',
      'revoke',
      'permissions',
    ])
      expect(help.stdout).toContain(command);
  });

  it("each command's help lists its own options first, then the global ones, then examples", async () => {
    const top = await run(['--help']);
    expect(top.stdout).toContain('Usage: hush <command> [options]');
    expect(top.stdout).toMatch(/\n {2}get <name> +print a secret value/);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 failure, 2 usage, 3 not found');
    const get = await run(['get', '--help']);
    expect(get.code).toBe(0);
    const own = get.stdout.indexOf('--field <field>');
    const globals = get.stdout.indexOf('Global options:');
    expect(own).toBeGreaterThan(0);
    expect(globals).toBeGreaterThan(own);
    expect(get.stdout.indexOf('--config <file>')).toBeGreaterThan(globals);
    expect(get.stdout.indexOf('Examples:')).toBeGreaterThan(globals);
    const rekey = await run(['help', 'rekey']);
    expect(rekey.stdout).toContain('--passphrase');
    expect(rekey.stdout).toContain('--master-key');
    const runHelp = await run(['run', '--help']);
    expect(runHelp.stdout).toContain('Usage: hush run [options] -- <command> [args...]');
    expect(runHelp.stdout).toContain('--no-mask');
  });

  it('exits 2 with one hush: line for an unknown command, an unknown option and a missing argument', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: hush');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^hush: unknown command 'frobnicate'/);
    const option = await run(['list', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^hush: unknown option '--bogus'/);
    const missing = await run(['get']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^hush: missing required argument 'name'/);
    const optionValue = await run(['list', '--pattern']);
    expect(optionValue.code).toBe(2);
    expect(optionValue.stderr).toMatch(/^hush: option '--pattern <glob>' argument missing/);
    const missingValue = await run(['rollback', 'x']);
    expect(missingValue.code).toBe(2);
    expect(missingValue.stderr).toContain("'--to <version>' not specified");
  });

  it('keygen prints a base64 32-byte key', async () => {
    const result = await run(['keygen']);
    expect(result.code).toBe(0);
    expect(Buffer.from(result.stdout.trim(), 'base64')).toHaveLength(32);
  });
});

describe('init', () => {
  const { dir, run } = useProject({ '.gitignore': 'node_modules' });

  it('creates the config, .hush 0700, the key 0600 and git-ignores the key; a second run changes nothing', async () => {
    expect(statSync(join(dir, '.hush')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '.hush/master.key')).mode & 0o777).toBe(0o600);
    const config = readFileSync(join(dir, 'hush.config.yaml'), 'utf8');
    for (const env of ['dev:', 'staging:', 'prod:']) expect(config).toContain(env);
    const key = readFileSync(join(dir, '.hush/master.key'), 'utf8');
    const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(gitignore.split('\n')).toEqual(
      expect.arrayContaining(['node_modules', '.hush/master.key', '.hush/master.key.*']),
    );
    const again = await run(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('never replaced');
    expect(readFileSync(join(dir, '.hush/master.key'), 'utf8')).toBe(key);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(gitignore);
    expect(readFileSync(join(dir, 'hush.config.yaml'), 'utf8')).toBe(config);
  });

  it("the configuration's commented examples are valid YAML once uncommented", () => {
    const config = readFileSync(join(dir, 'hush.config.yaml'), 'utf8');
    const examples = config
      .split('\n')
      .filter((line) => /^\s*#\s+options:/.test(line))
      .map((line) => line.replace(/^\s*#\s+/, ''));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(() => parse(example), example).not.toThrow();
    // provider-vault's option names: address (not endpoint), token, mount.
    expect(Object.keys(parse(examples[0]!).options)).toEqual(['address', 'token', 'mount']);
  });
});

describe('set, get, list, versions, rollback, delete', () => {
  const { run } = useProject();

  it('stores values from stdin and prints exactly the value and one newline', async () => {
    expect(
      (
        await run(['set', 'db/password', '--tag', 'team=core', '--metadata', 'owner=ops'], {
          input: `${DB}\n`,
        })
      ).code,
    ).toBe(0);
    expect(
      (await run(['set', 'api-key', '--tag', 'rotation=1ms', '--expires', '90d'], { input: API })).code,
    ).toBe(0);
    expect((await run(['set', 'db/json'], { input: JSON_SECRET })).code).toBe(0);
    const get = await run(['get', 'db/password']);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe(`${DB}\n`);
    expect((await run(['get', 'db/json', '--field', 'password'])).stdout).toBe('js0n-Pa55-w0rd\n');
    expect((await run(['get', 'db/json#user'])).stdout).toBe('admin\n');
  });

  it('get --json gives the full record, value included', async () => {
    const result = await run(['get', 'api-key', '--json']);
    const record = JSON.parse(result.stdout);
    expect(record).toMatchObject({
      key: 'api-key',
      value: API,
      version: '1',
      provider: 'local',
      tags: { rotation: '1ms' },
    });
    expect(record.expiresAt).toBeTruthy();
  });

  it('--value works but warns about shell history; an empty value is refused (exit 2)', async () => {
    const result = await run(['set', 'from-argv', '--value', 'argv-value-1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('shell history');
    const empty = await run(['set', 'empty-one'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('hint: pipe the value on stdin');
    expect((await run(['set', 'empty-one', '--allow-empty'], { input: '' })).code).toBe(0);
    expect((await run(['get', 'empty-one'])).stdout).toBe('\n');
  });

  it('list shows names and metadata, never values, with filters', async () => {
    const table = await run(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('db/password');
    expect(table.stdout).toContain('team=core');
    for (const value of [DB, API, JSON_SECRET]) expect(table.stdout).not.toContain(value);
    const json = JSON.parse((await run(['list', '--json'])).stdout) as Array<{ key: string; value?: string }>;
    expect(json.map((s) => s.key)).toEqual(['api-key', 'db/json', 'db/password', 'empty-one', 'from-argv']);
    expect(json.every((s) => s.value === undefined)).toBe(true);
    const names = async (args: string[]) =>
      (JSON.parse((await run(['list', '--json', ...args])).stdout) as Array<{ key: string }>).map(
        (s) => s.key,
      );
    expect(await names(['--pattern', 'db/*'])).toEqual(['db/json', 'db/password']);
    expect(await names(['--prefix', 'api'])).toEqual(['api-key']);
    expect(await names(['--tag', 'team=core'])).toEqual(['db/password']);
    expect(await names(['--expiring', '100d'])).toEqual(['api-key']);
  });

  it('list prints aligned columns, two spaces apart, with no trailing blanks', async () => {
    const lines = (await run(['list'])).stdout.split('\n');
    expect(lines.pop()).toBe('');
    const header = lines[0]!;
    expect(header).toMatch(/^NAME {2,}VERSION {2}UPDATED {15}EXPIRES {2,}PROVIDER {2}TAGS$/);
    const at = (column: string) => header.indexOf(column);
    for (const line of lines.slice(1)) {
      expect(line).not.toMatch(/\s$/);
      expect(line.slice(at('VERSION') - 2, at('VERSION'))).toBe('  ');
      expect(line.slice(at('UPDATED'))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}/);
      expect(line.slice(at('PROVIDER'), at('PROVIDER') + 5)).toBe('local');
    }
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))!;
    expect(row('db/password').slice(at('TAGS'))).toBe('team=core');
    expect(row('api-key').slice(at('EXPIRES'))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}/);
    // No tags and no expiry: the line ends with the provider.
    expect(row('from-argv').endsWith(' local')).toBe(true);
  });

  it('reports not found with exit 3 and an invalid name with exit 2', async () => {
    const missing = await run(['get', 'no-such-secret']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("hush: secret 'no-such-secret' not found\n");
    const invalid = await run(['get', 'bad name!']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^hush: invalid secret name/);
    const invalidSet = await run(['set', '../etc'], { input: 'x-value' });
    expect(invalidSet.code).toBe(2);
    const provider = await run(['get', 'api-key', '--provider', 'nope']);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toContain("unknown provider 'nope'");
  });

  it('versions, rollback and get --version', async () => {
    expect((await run(['set', 'db/password'], { input: 'second-value-xyz' })).code).toBe(0);
    const versions = JSON.parse((await run(['versions', 'db/password', '--json'])).stdout) as Array<{
      version: string;
      current: boolean;
    }>;
    expect(versions.map((v) => [v.version, v.current])).toEqual([
      ['2', true],
      ['1', false],
    ]);
    expect((await run(['get', 'db/password', '--version', '1'])).stdout).toBe(`${DB}\n`);
    const rollback = await run(['rollback', 'db/password', '--to', '1']);
    expect(rollback.code).toBe(0);
    expect(rollback.stderr).toContain('restored as version 3');
    expect((await run(['get', 'db/password'])).stdout).toBe(`${DB}\n`);
    expect((await run(['versions', 'nope'])).code).toBe(3);
  });

  it('rotate generates a new value; rotate --due rotates what its rotation tag says is due', async () => {
    const rotated = await run(['rotate', 'db/json', '--generate', 'random:24:hex']);
    expect(rotated.code).toBe(0);
    expect((await run(['get', 'db/json'])).stdout).toMatch(/^[0-9a-f]{24}\n$/);
    expect((await run(['rotate', 'db/json', '--generate', 'bogus'])).code).toBe(2);
    expect((await run(['rotate', 'no-such'])).code).toBe(3);
    const dry = JSON.parse((await run(['rotate', '--due', '--dry-run', '--json'])).stdout);
    expect(dry.due.map((d: { key: string }) => d.key)).toEqual(['api-key']);
    expect(dry.rotated).toEqual([]);
    const due = await run(['rotate', '--due']);
    expect(due.code).toBe(0);
    expect(due.stdout).toContain('rotated api-key');
    const after = await run(['get', 'api-key']);
    expect(after.stdout).not.toBe(`${API}\n`);
    expect(after.stdout).toMatch(/^[A-Za-z0-9]{32}\n$/);
  });

  it('rotate --value-stdin takes the new value from stdin', async () => {
    expect((await run(['rotate', 'from-argv', '--value-stdin'], { input: 'rotated-by-stdin' })).code).toBe(0);
    expect((await run(['get', 'from-argv'])).stdout).toBe('rotated-by-stdin\n');
  });

  it('delete refuses without a terminal or --yes (exit 2), deletes with --yes, then not found', async () => {
    const refused = await run(['delete', 'from-argv']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('hint: pass --yes');
    expect((await run(['delete', 'from-argv', '--yes'])).code).toBe(0);
    expect((await run(['get', 'from-argv'])).code).toBe(3);
    expect((await run(['delete', 'from-argv', '--yes'])).code).toBe(3);
  });

  it('health reports each provider with its latency', async () => {
    const result = await run(['health', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('healthy');
    expect(report.providers.map((p: { name: string }) => p.name)).toEqual(['local', 'env']);
    expect(typeof report.providers[0].latencyMs).toBe('number');
    const table = await run(['health']);
    expect(table.stdout).toMatch(/local\s+local\s+healthy/);
  });

  it('the env provider serves HUSH_SECRET_* variables after the local store', async () => {
    const result = await run(['get', 'from-env'], { env: { HUSH_SECRET_FROM_ENV: 'env-served-value' } });
    expect(result.stdout).toBe('env-served-value\n');
    const readOnly = await run(['set', 'x', '--provider', 'env'], { input: 'value-x' });
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toContain('read-only');
  });

  it('--json, --quiet and their HUSH_* variables', async () => {
    const quiet = await run(['set', 'quiet-one', '--quiet'], { input: 'quiet-value' });
    expect(quiet.stderr).toBe('');
    const viaEnv = await run(['set', 'quiet-two'], { input: 'quiet-value', env: { HUSH_QUIET: '1' } });
    expect(viaEnv.stderr).toBe('');
    const json = await run(['versions', 'quiet-one'], { env: { HUSH_JSON: '1' } });
    expect(JSON.parse(json.stdout)[0].version).toBe('1');
  });
});
