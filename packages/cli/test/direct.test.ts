import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHash, cacheFileName } from '../src/code-cache.js';
import { BIN, checkStderrClean, hush, plant, type Result, tempProject, useProject } from './helpers.js';

// `hush get NAME` and `hush list` are answered by the direct path (dist/direct.cjs) when the
// project allows it, and by the full command otherwise. Either way a user must see the same
// thing: each case runs both (HUSH_NO_DIRECT=1 forces the full command) and compares.

checkStderrClean();

const DIST = join(BIN, '..', '..', 'dist');
const VALUE = plant('direct-Secret-V4lue-0042');
const JSON_VALUE = plant('{"user":"svc","password":"direct-Json-P4ssword"}');
const ENV_VALUE = plant('env-Served-V4lue-77');

type Run = (args: string[], env?: Record<string, string>) => Promise<Result>;

/** Runs a command by the direct path (when it applies) and by the full command; both results. */
async function both(run: Run, args: string[], env: Record<string, string> = {}) {
  const direct = await run(args, env);
  const full = await run(args, { ...env, HUSH_NO_DIRECT: '1' });
  return { direct, full };
}

/** The env provider dates what it serves by the moment it reads: two processes differ there. */
const undated = (stdout: string): string =>
  stdout.replace(/^(.*\S) {2,}(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(.* {2}env\b.*)$/gm, '$1  <read time>$3');

const same = ({ direct, full }: { direct: Result; full: Result }): void => {
  expect({ code: direct.code, stdout: undated(direct.stdout), stderr: direct.stderr }).toEqual({
    code: full.code,
    stdout: undated(full.stdout),
    stderr: full.stderr,
  });
};

describe('the direct path gives what the full command gives', () => {
  const { dir, run: inProject } = useProject();
  const run: Run = (args, env = {}) => inProject(args, { env });
  beforeAll(async () => {
    for (const [name, value, extra] of [
      ['db/url', VALUE, ['--tag', 'team=web']],
      ['app-config', JSON_VALUE, []],
      ['old-token', plant('expired-T0ken-value'), ['--expires', '2020-01-01T00:00:00Z']],
      ['later-token', plant('later-T0ken-value'), ['--expires', '2099-01-01T00:00:00Z']],
    ] as const) {
      const set = await inProject(['set', name, ...extra], { input: value });
      expect(set.code, set.stderr).toBe(0);
    }
  });

  it.each([
    ['a secret of the local store', ['get', 'db/url'], {}],
    ['a secret only the env provider has', ['get', 'from-env'], { HUSH_SECRET_FROM_ENV: ENV_VALUE }],
    ['a secret no provider has', ['get', 'nowhere'], {}],
    ['a field of a JSON secret', ['get', 'app-config#password'], {}],
    ['an invalid name', ['get', '../escape'], {}],
    ['an unknown environment', ['get', 'db/url'], { HUSH_ENV: 'nope' }],
    ['machine output', ['get', 'db/url'], { HUSH_JSON: '1' }],
    ['the listing', ['list'], {}],
    ['the listing with the env provider', ['list'], { HUSH_SECRET_FROM_ENV: ENV_VALUE }],
    ['an empty environment', ['list'], { HUSH_ENV: 'staging' }],
  ])('%s', async (_label, args, env: Record<string, string>) => {
    const result = await both(run, args, env);
    same(result);
    expect(result.direct.stderr.includes(VALUE)).toBe(false);
  });

  it('prints the value of the local store and lists without expired secrets', async () => {
    expect((await run(['get', 'db/url'])).stdout).toBe(`${VALUE}\n`);
    const list = await run(['list']);
    expect(list.stdout).toMatch(/^NAME +VERSION +UPDATED +EXPIRES +PROVIDER +TAGS\n/);
    expect(list.stdout).toContain('team=web');
    expect(list.stdout).toMatch(/^later-token +1 +\S+ +2099-01-01T00:00:00Z +local *$/m);
    expect(list.stdout).not.toContain('old-token');
    expect(list.stdout.includes(VALUE)).toBe(false);
  });

  it('leaves a configuration it does not know to the full command', async () => {
    const config = join(dir, 'hush.config.yaml');
    const text = readFileSync(config, 'utf8');
    // A priority reorders the chain: the env provider is asked first.
    const reordered = text.replace(
      /- kind: env\n(\s+)optional: true/,
      '- kind: env\n$1optional: true\n$1priority: 10',
    );
    expect(reordered).not.toBe(text);
    writeFileSync(config, reordered);
    try {
      const result = await both(run, ['get', 'db/url'], { HUSH_SECRET_DB_URL: ENV_VALUE });
      same(result);
      expect(result.direct.stdout).toBe(`${ENV_VALUE}\n`);
    } finally {
      writeFileSync(config, text);
    }
  });
});

describe('with audit on, every read still goes through the audit log', () => {
  const { dir, run } = useProject();
  it('records the get and the list', async () => {
    const config = join(dir, 'hush.config.yaml');
    writeFileSync(
      config,
      `${readFileSync(config, 'utf8')}\naudit:\n  enabled: true\n  path: .hush/audit.db\n`,
    );
    expect((await run(['set', 'db/url'], { input: VALUE })).code).toBe(0);
    expect((await run(['get', 'db/url'])).stdout).toBe(`${VALUE}\n`);
    expect((await run(['list'])).code).toBe(0);
    const audit = await run(['audit', '--json', '--limit', '50']);
    expect(audit.code, audit.stderr).toBe(0);
    const operations = (JSON.parse(audit.stdout) as Array<{ operation: string; secretName?: string }>).map(
      (row) => `${row.operation}:${row.secretName ?? ''}`,
    );
    expect(operations).toContain('get:db/url');
    expect(operations.some((operation) => operation.startsWith('list'))).toBe(true);
  });
});

describe('which path answers', () => {
  const cacheFiles = (cacheHome: string, bundle: string, word: string): boolean => {
    const hash = bundleHash(readFileSync(join(DIST, bundle), 'latin1'))!;
    const folder = join(cacheHome, 'hush', 'code');
    return existsSync(folder) && readdirSync(folder).includes(cacheFileName(hash, word));
  };

  it('a found secret and a listing by the direct path alone; anything else by the full command', async () => {
    const dir = tempProject();
    const cacheHome = join(dir, 'cache-home');
    const run = (args: string[], input?: string, env: Record<string, string> = {}) =>
      hush(args, { cwd: dir, env: { XDG_CACHE_HOME: cacheHome, ...env }, ...(input ? { input } : {}) });
    expect((await run(['init'])).code).toBe(0);
    expect((await run(['set', 'db/url'], VALUE)).code).toBe(0);
    expect((await run(['get', 'db/url'])).stdout).toBe(`${VALUE}\n`);
    expect((await run(['list'])).code).toBe(0);
    // Each bundle leaves a code cache per command word when it runs.
    expect(cacheFiles(cacheHome, 'direct.cjs', 'get')).toBe(true);
    expect(cacheFiles(cacheHome, 'hush.cjs', 'get')).toBe(false);
    expect(cacheFiles(cacheHome, 'direct.cjs', 'list')).toBe(true);
    expect(cacheFiles(cacheHome, 'hush.cjs', 'list')).toBe(false);
    // Not in the first provider: handed on to the full command, which finds it in the next.
    const later = await run(['get', 'from-env'], undefined, { HUSH_SECRET_FROM_ENV: 'env-value' });
    expect([later.code, later.stdout]).toEqual([0, 'env-value\n']);
    expect(cacheFiles(cacheHome, 'hush.cjs', 'get')).toBe(true);
  });
});

describe('the listing of a plain store (one version, no tags), printed from the store text', () => {
  const { run: inProject } = useProject();
  const run: Run = (args, env = {}) => inProject(args, { env });
  beforeAll(async () => {
    for (const [name, extra] of [
      ['b-old', ['--expires', '2020-01-01T00:00:00Z']],
      ['a-later', ['--expires', '2099-01-01T00:00:00.250Z']],
      ['c/plain', []],
      ['d-old-too', ['--expires', '2021-06-30T12:00:00Z']],
      ['e', []],
    ] as const) {
      const set = await inProject(['set', name, ...extra], { input: plant(`plain-${name}-V4lue`) });
      expect(set.code, set.stderr).toBe(0);
    }
  });

  it('is what the full command prints, without the expired secrets', async () => {
    const result = await both(run, ['list']);
    same(result);
    const rows = result.direct.stdout.trimEnd().split('\n');
    expect(rows.map((row) => row.split(' ')[0])).toEqual(['NAME', 'a-later', 'c/plain', 'e']);
    expect(rows[1]).toMatch(/^a-later +1 +\S+Z {2}2099-01-01T00:00:00Z {2}local$/);
    expect(rows[2]).toMatch(/^c\/plain +1 +\S+Z {24}local$/);
  });
});

describe('direct and full agree on random stores (property)', () => {
  const name = fc
    .tuple(fc.constantFrom('db', 'app', 'x'), fc.constantFrom('', '/url', '-url', '_key', '.v2'))
    .map(([a, b]) => a + b);
  const store = fc.uniqueArray(
    fc.record({ name, value: fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((v) => `v-${v}`) }),
    { selector: (s) => s.name, maxLength: 5 },
  );
  const fromEnv = fc.uniqueArray(fc.constantFrom('DB_URL', 'APP', 'X_KEY', 'EXTRA'), { maxLength: 2 });

  it('get and list', async () => {
    await fc.assert(
      fc.asyncProperty(store, fromEnv, name, async (secrets, variables, asked) => {
        const dir = tempProject();
        const run: Run = (args, env = {}) => hush(args, { cwd: dir, env });
        expect((await run(['init'])).code).toBe(0);
        if (secrets.length) {
          writeFileSync(
            join(dir, 'in.json'),
            JSON.stringify(Object.fromEntries(secrets.map((s) => [s.name, s.value]))),
          );
          const imported = await run(['import', 'in.json']);
          expect(imported.code, imported.stderr).toBe(0);
        }
        const env = Object.fromEntries(variables.map((v) => [`HUSH_SECRET_${v}`, `env-${v}`]));
        same(await both(run, ['get', asked], env));
        same(await both(run, ['list'], env));
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});

describe('run -- COMMAND by the direct path', () => {
  const { dir, run: inProject } = useProject();
  const run: Run = (args, env = {}) => inProject(args, { env });
  beforeAll(async () => {
    expect((await inProject(['set', 'db/url'], { input: VALUE })).code).toBe(0);
    expect((await inProject(['set', 'app-config'], { input: JSON_VALUE })).code).toBe(0);
  });

  it.each([
    [
      'the variables, masked output and the exit code',
      ['sh', '-c', 'echo "url=$DB_URL"; echo "$APP_CONFIG" >&2; exit 7'],
    ],
    ['a field of a JSON secret printed alone is masked', ['sh', '-c', 'echo direct-Json-P4ssword']],
    ['the master key is not passed on', ['sh', '-c', 'echo "key=${HUSH_MASTER_KEY:-none}"']],
    ['a command that is not found', ['no-such-command-here']],
    ['a death by signal', ['sh', '-c', 'kill -TERM $$']],
  ])('%s', async (_label, command) => {
    // The store's own key in HUSH_MASTER_KEY, which the command must not receive.
    const key = readFileSync(join(dir, '.hush/master.key'), 'utf8').trim();
    const result = await both(run, ['run', '--', ...command], { HUSH_MASTER_KEY: key });
    same(result);
    expect(result.direct.stdout.includes(VALUE)).toBe(false);
    expect(result.direct.stdout.includes('direct-Json-P4ssword')).toBe(false);
  });

  it('refuses two secrets that give one variable, as the full command does', async () => {
    expect((await inProject(['set', 'db-url'], { input: plant('other-V4lue-for-collision') })).code).toBe(0);
    const result = await both(run, ['run', '--', 'true']);
    same(result);
    expect(result.direct.code).not.toBe(0);
    expect(result.direct.stderr).toContain('db-url');
  });
});
