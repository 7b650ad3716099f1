import {
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bundleHash,
  cacheFileName,
  codeCacheDir,
  codeCacheDisabled,
  HASH_MARK,
  readCodeCache,
  writeCodeCache,
} from '../src/code-cache.js';
import { BIN, checkStderrClean, hush, plant, tempProject } from './helpers.js';

checkStderrClean();

const KEY = Buffer.alloc(32, 5).toString('base64');
const VALUE = plant('code-cache-Secret-V4lue');
const BUNDLE = join(BIN, '..', '..', 'dist', 'hush.cjs');

/** A project with one secret, and a cache folder of its own (XDG_CACHE_HOME). */
async function project(): Promise<{
  dir: string;
  cacheHome: string;
  run: (args: string[], env?: Record<string, string>) => ReturnType<typeof hush>;
}> {
  const dir = tempProject();
  const cacheHome = join(dir, 'cache-home');
  const run = (args: string[], env: Record<string, string> = {}) =>
    hush(args, { cwd: dir, env: { HUSH_MASTER_KEY: KEY, XDG_CACHE_HOME: cacheHome, ...env } });
  const set = await hush(['set', 'app-token'], {
    cwd: dir,
    env: { HUSH_MASTER_KEY: KEY, HUSH_NO_CODE_CACHE: '1' },
    input: VALUE,
  });
  expect(set.code, set.stderr).toBe(0);
  return { dir, cacheHome, run };
}

const files = (folder: string): string[] => (existsSync(folder) ? readdirSync(folder) : []);
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('the code cache of the hush command', () => {
  it('is written at the first run of a command (0700 folder, 0600 file), then read, not rewritten', async () => {
    const { cacheHome, run } = await project();
    const folder = join(cacheHome, 'hush', 'code');
    const first = await run(['get', 'app-token']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${VALUE}\n`);
    const [name] = files(folder);
    expect(files(folder)).toHaveLength(1);
    expect(name).toMatch(/^[0-9a-f]{20}-node[\d.]+-v8[\w.-]+-get\.v8cache$/);
    expect(mode(folder)).toBe(0o700);
    expect(mode(join(folder, name!))).toBe(0o600);
    // The cache holds code, never what the command read.
    expect(readFileSync(join(folder, name!)).includes(VALUE)).toBe(false);
    const written = statSync(join(folder, name!));
    const second = await run(['get', 'app-token']);
    expect(second.stdout).toBe(`${VALUE}\n`);
    const after = statSync(join(folder, name!));
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
    // Another command has a cache of its own.
    expect((await run(['list'])).code).toBe(0);
    expect(files(folder).filter((f) => f.endsWith('-list.v8cache'))).toHaveLength(1);
  });

  it('is written by a run that succeeded, and not by one the direct path handed on', async () => {
    const { cacheHome, run } = await project();
    const folder = join(cacheHome, 'hush', 'code');
    const hashOf = (bundle: string) =>
      bundleHash(readFileSync(join(BIN, '..', '..', 'dist', bundle), 'latin1'))!.slice(0, 20);
    // Not found: the direct path hands on, the full command fails; neither leaves its cache.
    expect((await run(['get', 'no-such-secret'])).code).toBe(3);
    expect(files(folder)).toEqual([]);
    // Handed on (HUSH_JSON), then answered: the full command's cache alone.
    const json = await run(['get', 'app-token'], { HUSH_JSON: '1' });
    expect(json.code, json.stderr).toBe(0);
    expect(files(folder).map((f) => f.slice(0, 20))).toEqual([hashOf('hush.cjs')]);
    // Answered by the direct path: its own cache, made by a run that read the secret.
    expect((await run(['get', 'app-token'])).stdout).toBe(`${VALUE}\n`);
    expect(
      files(folder)
        .map((f) => f.slice(0, 20))
        .sort(),
    ).toEqual([hashOf('hush.cjs'), hashOf('direct.cjs')].sort());
  });

  it('makes a cache V8 refuses anew, and the command still works', async () => {
    const { cacheHome, run } = await project();
    expect((await run(['get', 'app-token'])).code).toBe(0);
    const folder = join(cacheHome, 'hush', 'code');
    const path = join(folder, files(folder)[0]!);
    const good = readFileSync(path);
    writeFileSync(path, Buffer.alloc(good.length, 7));
    const result = await run(['get', 'app-token']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${VALUE}\n`);
    expect(result.stderr).toBe('');
    expect(readFileSync(path).equals(Buffer.alloc(good.length, 7))).toBe(false);
  });

  it('is never an error when the folder cannot be made or is not private', async () => {
    const { dir, run } = await project();
    // Under a regular file: no folder can be made there, whoever runs this.
    writeFileSync(join(dir, 'a-file'), '');
    const blocked = await run(['get', 'app-token'], { XDG_CACHE_HOME: join(dir, 'a-file') });
    expect([blocked.code, blocked.stdout, blocked.stderr]).toEqual([0, `${VALUE}\n`, '']);
    // A folder others may write to is neither read nor written: anyone could plant code there.
    const shared = join(dir, 'shared');
    const sharedCode = join(shared, 'hush', 'code');
    expect((await run(['get', 'app-token'], { XDG_CACHE_HOME: shared })).code).toBe(0);
    const planted = join(sharedCode, files(sharedCode)[0]!);
    chmodSync(sharedCode, 0o777);
    writeFileSync(planted, 'not a code cache');
    const loose = await run(['get', 'app-token'], { XDG_CACHE_HOME: shared });
    expect([loose.code, loose.stdout, loose.stderr]).toEqual([0, `${VALUE}\n`, '']);
    expect(readFileSync(planted, 'utf8')).toBe('not a code cache');
  });

  it('is off with HUSH_NO_CODE_CACHE=1', async () => {
    const { cacheHome, run } = await project();
    const result = await run(['get', 'app-token'], { HUSH_NO_CODE_CACHE: '1' });
    expect(result.stdout).toBe(`${VALUE}\n`);
    expect(existsSync(join(cacheHome, 'hush'))).toBe(false);
  });

  it('survives commands that make the same cache at once', async () => {
    const { cacheHome, run } = await project();
    const results = await Promise.all([1, 2, 3, 4].map(() => run(['get', 'app-token'])));
    for (const result of results) expect([result.code, result.stdout]).toEqual([0, `${VALUE}\n`]);
    const folder = join(cacheHome, 'hush', 'code');
    expect(files(folder)).toHaveLength(1);
    const again = await run(['get', 'app-token']);
    expect(again.stdout).toBe(`${VALUE}\n`);
  });
});

describe('code cache files', () => {
  const hash = 'ab'.repeat(32);

  it('are keyed by the bundle hash, Node, V8, the architecture and the command word', () => {
    const name = cacheFileName(hash, 'run');
    expect(name).toBe(
      `${'ab'.repeat(10)}-node${process.versions.node}-v8${process.versions.v8}-${process.arch}-run.v8cache`,
    );
    expect(cacheFileName('cd'.repeat(32), 'run')).not.toBe(name);
    // Anything that is not a plain command word shares one cache.
    for (const word of [undefined, '--json', '../x', 'A', 'x'.repeat(40)])
      expect(cacheFileName(hash, word)).toMatch(/-other\.v8cache$/);
  });

  it('take the hash the build appended, and only a well-formed one', () => {
    expect(bundleHash(`code();\n${HASH_MARK}${hash}\n`)).toBe(hash);
    expect(bundleHash('code();\n')).toBeUndefined();
    expect(bundleHash(`code();\n${HASH_MARK}${'z'.repeat(64)}\n`)).toBeUndefined();
    const built = readFileSync(BUNDLE, 'utf8');
    expect(bundleHash(built)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('live in XDG_CACHE_HOME, else ~/.cache', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/hush/code');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/hush/code');
    expect(codeCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/hush/code');
    expect(codeCacheDisabled({ HUSH_NO_CODE_CACHE: '1' })).toBe(true);
    expect(codeCacheDisabled({ HUSH_NO_CODE_CACHE: 'false' })).toBe(false);
    expect(codeCacheDisabled({})).toBe(false);
  });

  it('keep the folder to the newest sixteen', () => {
    const folder = join(tempProject(), 'code');
    for (let i = 0; i < 20; i++) {
      const path = join(folder, `${i}.v8cache`);
      writeCodeCache(path, Buffer.from([i]));
      utimesSync(path, 1000 + i, 1000 + i);
    }
    writeCodeCache(join(folder, 'newest.v8cache'), Buffer.from([99]));
    const left = files(folder).sort();
    expect(left).toHaveLength(16);
    expect(left).toContain('newest.v8cache');
    expect(left).not.toContain('4.v8cache');
    expect(left).toContain('19.v8cache');
    expect(readCodeCache(join(folder, 'newest.v8cache'))).toEqual(Buffer.from([99]));
  });

  it.skipIf(process.getuid?.() !== 0)(
    'are not read when another user owns them (needs root to chown)',
    () => {
      const folder = join(tempProject(), 'code');
      const path = join(folder, 'x.v8cache');
      writeCodeCache(path, Buffer.from([1]));
      expect(readCodeCache(path)).toEqual(Buffer.from([1]));
      chownSync(path, 65534, 65534);
      expect(readCodeCache(path)).toBeUndefined();
    },
  );
});
