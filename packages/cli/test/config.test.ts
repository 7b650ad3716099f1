import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStderrClean, hush, plant, tempProject, useProject } from './helpers.js';

checkStderrClean();

const VALUE = plant('cfg-S3cret-value-42');
const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');

describe('configuration', () => {
  it('names the file and the path of a problem in a malformed config (exit 1)', async () => {
    const dir = tempProject({
      'hush.config.yaml':
        'environments:\n  dev:\n    providers:\n      - kind: local\n        priority: high\n',
    });
    const result = await hush(['list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir, 'hush.config.yaml'));
    expect(result.stderr).toContain('environments.dev.providers[0].priority');
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const broken = tempProject({ 'hush.config.yaml': 'environments: [\n' });
    const yaml = await hush(['list'], { cwd: broken });
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(/hush\.config\.yaml: not valid YAML/);
    const audit = tempProject({
      'hush.config.yaml':
        'environments:\n  dev:\n    providers: [{ kind: local }]\naudit:\n  failMode: sometimes\n',
    });
    const auditResult = await hush(['list'], { cwd: audit, env: { HUSH_MASTER_KEY: KEY } });
    expect(auditResult.code).toBe(1);
    expect(auditResult.stderr).toContain('audit.failMode');
  });

  it('keeps a parsed YAML configuration under ~/.cache/hush/config (or $XDG_CACHE_HOME): an edit is seen at once', async () => {
    const text = 'environments:\n  dev:\n    providers: [{ kind: local }]\n';
    const dir = tempProject({ 'hush.config.yaml': text });
    // HOME is the project: without XDG_CACHE_HOME the cache is under its .cache.
    const env = { HUSH_MASTER_KEY: KEY, XDG_CACHE_HOME: undefined };
    expect((await hush(['list'], { cwd: dir, env })).code).toBe(0);
    expect(
      readdirSync(join(dir, '.cache', 'hush', 'config')).filter((n) => n.endsWith('.json')),
    ).toHaveLength(1);
    expect((await hush(['list'], { cwd: dir, env })).code).toBe(0);
    writeFileSync(join(dir, 'hush.config.yaml'), text.replace('kind: local', 'kind: local, priority: high'));
    const edited = await hush(['list'], { cwd: dir, env });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('environments.dev.providers[0].priority');
    const xdg = join(dir, 'xdg');
    expect((await hush(['list'], { cwd: dir, env: { ...env, XDG_CACHE_HOME: xdg } })).code).toBe(1);
    expect(readdirSync(join(xdg, 'hush', 'config'))).toHaveLength(1);
  });

  it('shows a stack trace only with --debug', async () => {
    const dir = tempProject({ 'hush.config.yaml': 'environments: 3\n' });
    const plain = await hush(['list'], { cwd: dir });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await hush(['list', '--debug'], { cwd: dir });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('finds the nearest config upwards, or takes --config / HUSH_CONFIG', async () => {
    const dir = tempProject({
      'hush.config.yaml':
        'environments:\n  dev:\n    providers: [{ kind: local, options: { path: .hush/up.enc.json } }]\n',
      'sub/deeper/.keep': '',
      'other/custom.json': JSON.stringify({
        environments: { dev: { providers: [{ kind: 'local', options: { path: 'custom.enc.json' } }] } },
      }),
    });
    const env = { HUSH_MASTER_KEY: KEY };
    expect((await hush(['set', 'where'], { cwd: join(dir, 'sub/deeper'), env, input: 'upwards' })).code).toBe(
      0,
    );
    expect(readFileSync(join(dir, '.hush/up.enc.json'), 'utf8')).toContain('where');
    expect(
      (await hush(['set', 'where', '--config', 'other/custom.json'], { cwd: dir, env, input: 'custom' }))
        .code,
    ).toBe(0);
    expect(
      (await hush(['get', 'where'], { cwd: dir, env: { ...env, HUSH_CONFIG: 'other/custom.json' } })).stdout,
    ).toBe('custom\n');
    expect((await hush(['get', 'where'], { cwd: dir, env })).stdout).toBe('upwards\n');
    const missing = await hush(['list', '--config', 'nope.yaml'], { cwd: dir, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('configuration file not found');
  });

  it('works with no configuration at all: the local store in .hush/ then the environment', async () => {
    const dir = tempProject();
    const env = { HUSH_MASTER_KEY: KEY };
    expect((await hush(['set', 'embedded'], { cwd: dir, env, input: VALUE })).code).toBe(0);
    expect(statMode(join(dir, '.hush/secrets.enc.json'))).toBe(0o600);
    expect((await hush(['get', 'embedded'], { cwd: dir, env })).stdout).toBe(`${VALUE}\n`);
    const health = JSON.parse((await hush(['health', '--json'], { cwd: dir, env })).stdout);
    expect(health.providers.map((p: { name: string }) => p.name)).toEqual(['local', 'env']);
  });
});

describe('environments', () => {
  const { run } = useProject();

  it('--env and HUSH_ENV select a store of their own; an unknown one is an error naming the choices', async () => {
    expect((await run(['set', 'only-in-prod', '--env', 'prod'], { input: 'prod-value' })).code).toBe(0);
    expect((await run(['get', 'only-in-prod'])).code).toBe(3);
    expect((await run(['get', 'only-in-prod'], { env: { HUSH_ENV: 'prod' } })).stdout).toBe('prod-value\n');
    expect((await run(['get', 'only-in-prod', '-e', 'prod'])).stdout).toBe('prod-value\n');
    const unknown = await run(['list', '--env', 'qa']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown environment 'qa' (configured: dev, staging, prod)");
    expect(unknown.stderr).toContain('hint: check --env');
  });
});

describe('store problems', () => {
  const { dir, run } = useProject();

  it('refuses a store readable by others, with the chmod hint', async () => {
    expect((await run(['set', 'guarded'], { input: VALUE })).code).toBe(0);
    const store = join(dir, '.hush/secrets.enc.json');
    chmodSync(store, 0o644);
    const result = await run(['get', 'guarded']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('accessible by group or others');
    expect(result.stderr).toContain(`hint: fix it with: chmod 600 ${store}`);
    chmodSync(store, 0o600);
    expect((await run(['get', 'guarded'])).stdout).toBe(`${VALUE}\n`);
  });

  it('refuses the wrong key without revealing anything, and a malformed key with a hint', async () => {
    const wrong = await run(['get', 'guarded'], { env: { HUSH_MASTER_KEY: OTHER_KEY } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^hush: .*key/);
    expect(wrong.stderr).not.toContain(OTHER_KEY);
    // The env provider still answers: the chain is degraded, not down; --strict makes that an exit 5.
    const degraded = await run(['health'], { env: { HUSH_MASTER_KEY: OTHER_KEY } });
    expect(degraded.code).toBe(0);
    expect(degraded.stdout).toMatch(/local\s+local\s+unhealthy/);
    expect(degraded.stdout).toContain('overall: degraded');
    expect((await run(['health', '--strict'], { env: { HUSH_MASTER_KEY: OTHER_KEY } })).code).toBe(5);
    expect((await run(['health', '--strict'])).code).toBe(0);
    const malformed = await run(['get', 'guarded'], { env: { HUSH_MASTER_KEY: 'not-a-key' } });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('hint: generate one with `hush keygen`');
  });

  it('an unreadable store (not JSON) is one error line naming the file, with a hint (exit 1)', async () => {
    const store = join(dir, '.hush/secrets.enc.json');
    const saved = readFileSync(store);
    writeFileSync(store, '{"truncated": ', { mode: 0o600 });
    const result = await run(['get', 'guarded']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^hush: store ${store} is not valid JSON`));
    expect(result.stderr).toContain('hint: restore a backup');
    expect(result.stderr).not.toContain('    at ');
    writeFileSync(store, saved, { mode: 0o600 });
    expect((await run(['get', 'guarded'])).stdout).toBe(`${VALUE}\n`);
  });

  it('a tampered store is refused; reseal needs --yes without a terminal', async () => {
    const store = join(dir, '.hush/secrets.enc.json');
    const doc = JSON.parse(readFileSync(store, 'utf8'));
    doc.generation = (doc.generation ?? 1) + 5;
    writeFileSync(store, JSON.stringify(doc, null, 2), { mode: 0o600 });
    const refused = await run(['get', 'guarded']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('hint:');
    expect((await run(['reseal'])).code).toBe(2);
    const resealed = await run(['reseal', '--yes']);
    expect(resealed.code, resealed.stderr).toBe(0);
    expect(resealed.stdout).toContain('resealed');
    expect((await run(['get', 'guarded'])).stdout).toBe(`${VALUE}\n`);
  });
});

describe('provider outage', () => {
  it('exits 5 when every provider of the chain is unavailable, and health says so', async () => {
    const port = await closedPort();
    const dir = tempProject({
      'hush.config.yaml': `environments:\n  dev:\n    providers:\n      - kind: vault\n        options: { address: 'http://127.0.0.1:${port}', token: test-token, retries: 0, requestTimeout: 2s }\n`,
    });
    const get = await hush(['get', 'anything'], { cwd: dir });
    expect(get.code, get.stderr).toBe(5);
    expect(get.stderr.split('\n')[0]).toMatch(/^hush: /);
    const health = await hush(['health', '--json'], { cwd: dir });
    expect(health.code).toBe(5);
    expect(JSON.parse(health.stdout).status).toBe('unhealthy');
  });

  it('names the package to install when a provider is missing', async () => {
    const dir = tempProject({
      'hush.config.yaml': 'environments:\n  dev:\n    providers: [{ kind: nosuch }]\n',
    });
    const result = await hush(['list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@hush/provider-nosuch');
    expect(result.stderr).toContain('hint: install it: npm install @hush/provider-nosuch');
  });
});

function statMode(path: string): number {
  return statSync(path).mode & 0o777;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
