import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempProject } from './helpers.js';

const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
  version: string;
  bin: { hush: string };
};
const LAUNCHER = join(PACKAGE, manifest.bin.hush);

describe('the hush command as installed (package.json bin)', () => {
  const dir = tempProject();
  const hush = (args: string[]) =>
    spawnSync(process.execPath, [LAUNCHER, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('answers --version and -V itself', () => {
    for (const flag of ['--version', '-V']) {
      const result = hush([flag]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${manifest.version}\n`);
    }
  });

  it('hands every other command to the build, exit code and stderr included', () => {
    const missing = hush(['get', 'no-such-secret']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toBe("hush: secret 'no-such-secret' not found\n");
    const ran = hush(['run', '--', 'sh', '-c', 'echo "$1"; exit 7', 'sh', '--version']);
    expect(ran.status).toBe(7);
    expect(ran.stdout).toBe('--version\n');
  });
});
