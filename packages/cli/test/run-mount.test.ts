import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const DB = plant('mount-Db-Password-4242');
const KEY = plant('mount-Api-Key-9090');

const shm = existsSync('/dev/shm') ? '/dev/shm' : undefined;

describe('hush run --mount', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    expect((await run(['set', 'db/password'], { input: DB })).code).toBe(0);
    expect((await run(['set', 'api-key'], { input: KEY })).code).toBe(0);
  });

  // The command reports its folder, the files in it with their modes, and what its environment holds.
  const probe = `
    const fs = require('fs'), path = require('path');
    const dir = process.env.HUSH_SECRETS_DIR;
    const files = fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
    console.log(JSON.stringify({
      dir,
      dirMode: (fs.statSync(dir).mode & 0o777).toString(8),
      files: Object.fromEntries(files.map((f) => [f, { mode: (fs.statSync(path.join(dir, f)).mode & 0o777).toString(8), length: fs.readFileSync(path.join(dir, f), 'utf8').length }])),
      inEnv: ['DB_PASSWORD', 'API_KEY'].filter((k) => k in process.env),
      environHasValue: fs.readFileSync('/proc/self/environ', 'utf8').includes(fs.readFileSync(path.join(dir, 'API_KEY'), 'utf8')),
    }));`;

  it('writes one 0400 file per secret in a private 0700 folder, keeps values out of the environment, removes it after', async () => {
    writeFileSync(join(dir, 'probe.js'), probe);
    const result = await run(['run', '--mount', '--', process.execPath, 'probe.js']);
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout);
    if (shm) expect(seen.dir.startsWith(`${shm}/`)).toBe(true);
    expect(seen.dirMode).toBe('700');
    expect(seen.files).toEqual({
      API_KEY: { mode: '400', length: KEY.length },
      DB_PASSWORD: { mode: '400', length: DB.length },
    });
    expect(seen.inEnv).toEqual([]);
    expect(seen.environHasValue).toBe(false);
    expect(existsSync(seen.dir)).toBe(false);
  });

  it('--env-too puts them in the environment as well; a folder named by the user is created and removed', async () => {
    const result = await run(['run', '--mount', 'secrets', '--env-too', '--', process.execPath, 'probe.js']);
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(seen.dir).toBe(join(dir, 'secrets'));
    expect(seen.inEnv).toEqual(['DB_PASSWORD', 'API_KEY']);
    expect(existsSync(join(dir, 'secrets'))).toBe(false);
    // An existing folder that is not a leftover of hush is refused, and left alone.
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'keep.txt'), 'x');
    const refused = await run(['run', '--mount', 'mine', '--', process.execPath, '-e', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('mine exists');
    expect(readdirSync(join(dir, 'mine'))).toEqual(['keep.txt']);
  });

  it('removes the folder when the command fails, and when hush is stopped by a signal it forwards', async () => {
    const failed = await run([
      'run',
      '--mount',
      '--',
      process.execPath,
      '-e',
      'console.log(process.env.HUSH_SECRETS_DIR); process.exit(4)',
    ]);
    expect(failed.code).toBe(4);
    expect(existsSync(failed.stdout.trim())).toBe(false);
    const code = `process.on('SIGTERM', () => process.exit(3)); console.log(process.env.HUSH_SECRETS_DIR); setInterval(() => {}, 1000)`;
    let folder = '';
    const stopped = await run(['run', '--mount', '--', process.execPath, '-e', code], {
      onSpawn: (hush) =>
        hush.stdout?.on('data', (chunk: Buffer) => {
          folder = chunk.toString().trim();
          hush.kill('SIGTERM');
        }),
    });
    expect(stopped.code).toBe(3);
    expect(folder).not.toBe('');
    expect(existsSync(folder)).toBe(false);
  });

  it('a folder left by a hush killed with SIGKILL is removed by the next hush run --mount', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--mount',
        '--',
        process.execPath,
        '-e',
        'console.log(process.env.HUSH_SECRETS_DIR + " " + process.pid); setInterval(() => {}, 1000)',
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', HUSH_ACCESSOR: 'tester' } },
    );
    const [folder, orphan] = await new Promise<string[]>((resolve) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim().split(' '));
      });
    });
    expect(statSync(folder!).isDirectory()).toBe(true);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    // The command it started is an orphan now (stopped here); the folder is still there.
    process.kill(Number(orphan), 'SIGKILL');
    expect(existsSync(join(folder!, 'API_KEY'))).toBe(true);
    const next = await run(['run', '--mount', '--', process.execPath, '-e', '0']);
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(folder!)).toBe(false);
  });
});
