import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkStderrClean, hush, plant, tempProject, useProject } from './helpers.js';

// What a newcomer runs into first: the names, exit codes and rules the README promises.
checkStderrClean();

const VALUE = plant('n3wc0mer-secret-value');
const DAY = 86_400_000;

describe('hush run', () => {
  const { run } = useProject();

  it('takes the command with or without --', async () => {
    const bare = await run(['run', 'node', '--version']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^v\d+\./);
    const dashed = await run(['run', '--', 'node', '--version']);
    expect(dashed.stdout).toBe(bare.stdout);
  });
});

describe('writing to the read-only env provider', () => {
  const { run } = useProject();

  it('is refused by set and copy with one message and one exit code', async () => {
    const set = await run(['set', 'x', '--provider', 'env'], { input: VALUE });
    const copy = await run(['copy', '--from', 'local', '--to', 'env']);
    expect(set.code).toBe(1);
    expect(copy.code).toBe(1);
    expect(set.stderr).toContain("provider 'env' is read-only");
    expect(copy.stderr).toContain("provider 'env' is read-only");
  });
});

describe('expiry periods across rotate and rollback', () => {
  const { run } = useProject();

  const expiryOf = async (name: string): Promise<number> => {
    const listed = JSON.parse((await run(['list', '--json', '--include-expired'])).stdout) as Array<{
      key: string;
      expiresAt?: string;
    }>;
    const entry = listed.find((info) => info.key === name);
    expect(entry?.expiresAt, `${name} has an expiry`).toBeDefined();
    return Date.parse(entry!.expiresAt!) - Date.now();
  };

  it('a rotation starts a new period of the same length', async () => {
    expect((await run(['set', 'periodic', '--expires', '90d'], { input: VALUE })).code).toBe(0);
    expect((await run(['rotate', 'periodic'])).code).toBe(0);
    expect(Math.abs((await expiryOf('periodic')) - 90 * DAY)).toBeLessThan(60_000);
    const expiring = await run(['list', '--expiring', '91d', '--json']);
    expect(JSON.parse(expiring.stdout).map((info: { key: string }) => info.key)).toContain('periodic');
  });

  it('a rollback keeps the period too, and --expires sets another', async () => {
    expect((await run(['set', 'rolled', '--expires', '30d'], { input: VALUE })).code).toBe(0);
    expect((await run(['rotate', 'rolled'])).code).toBe(0);
    expect((await run(['rollback', 'rolled', '--to', '1'])).code).toBe(0);
    expect(Math.abs((await expiryOf('rolled')) - 30 * DAY)).toBeLessThan(60_000);
    expect((await run(['rotate', 'rolled', '--expires', '7d'])).code).toBe(0);
    expect(Math.abs((await expiryOf('rolled')) - 7 * DAY)).toBeLessThan(60_000);
  });

  it('a secret without expiry stays without one', async () => {
    expect((await run(['set', 'forever'], { input: VALUE })).code).toBe(0);
    expect((await run(['rotate', 'forever'])).code).toBe(0);
    const listed = JSON.parse((await run(['list', '--json'])).stdout) as Array<{
      key: string;
      expiresAt?: string;
    }>;
    expect(listed.find((info) => info.key === 'forever')?.expiresAt).toBeUndefined();
  });
});

describe('empty values: one rule for set and import', () => {
  const { dir, run } = useProject({ '.env': `FULL=${VALUE}\nEMPTY=\n` });

  it('set refuses an empty value without --allow-empty', async () => {
    const refused = await run(['set', 'blank'], { input: '' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--allow-empty');
  });

  it('import skips empty values with a count, and stores them with --allow-empty', async () => {
    const skipped = await run(['import', join(dir, '.env')]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain('skipped 1 empty value (EMPTY)');
    expect((await run(['get', 'empty'])).code).toBe(3);
    const stored = await run(['import', join(dir, '.env'), '--allow-empty']);
    expect(stored.code).toBe(0);
    const empty = await run(['get', 'empty']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('\n');
  });
});

describe('a folder without hush init', () => {
  it('a failed set creates nothing', async () => {
    const dir = tempProject();
    const noValue = await runIn(dir, ['set', 'x'], '');
    expect(noValue.code).toBe(2);
    const badKey = await runIn(dir, ['set', 'x'], VALUE, { HUSH_MASTER_KEY: 'not-a-key' });
    expect(badKey.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the first set creates the store and its key, and says so', async () => {
    const dir = tempProject();
    const first = await runIn(dir, ['set', 'x'], VALUE);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('master.key (mode 0600)');
    expect(statSync(join(dir, '.hush', 'master.key')).mode & 0o777).toBe(0o600);
    expect((await runIn(dir, ['get', 'x'], '')).stdout).toBe(`${VALUE}\n`);
  });
});

describe('names and links the generated files give', () => {
  const { dir } = useProject();
  const repo = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));

  it("hush.config.yaml's reference link points at a heading of the core README", () => {
    const config = readFileSync(join(dir, 'hush.config.yaml'), 'utf8');
    const anchor = /packages\/core#([a-z0-9-]+)/.exec(config)?.[1];
    expect(anchor).toBe('configuration-file');
    const headings = readFileSync(join(repo, 'packages/core/README.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) =>
        line
          .replace(/^#+\s*/, '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      );
    expect(headings).toContain(anchor);
  });

  it('every package names its repository, homepage and issue tracker', () => {
    for (const folder of ['packages', 'examples'])
      for (const name of readdirSync(join(repo, folder))) {
        const manifest = join(repo, folder, name, 'package.json');
        if (!existsSync(manifest)) continue;
        const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
        expect(pkg.repository?.directory, manifest).toBe(`${folder}/${name}`);
        expect(pkg.homepage, manifest).toMatch(/^https:\/\//);
        expect(pkg.bugs?.url, manifest).toMatch(/^https:\/\//);
      }
  });
});

function runIn(cwd: string, args: string[], input: string, env: Record<string, string> = {}) {
  return hush(args, { cwd, input, env });
}
