import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, hush, plant, tempProject, useProject } from './helpers.js';

checkStderrClean();

describe('values are stored byte for byte, or refused', () => {
  const { run } = useProject();

  it('refuses invalid UTF-8 on stdin (exit 2), storing nothing', async () => {
    const result = await run(['set', 'b'], { input: Buffer.from([0xff, 0xfe, 0x41]) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not valid UTF-8 (at byte 0)');
    expect(result.stderr).toContain('--binary');
    expect((await run(['get', 'b'])).code).toBe(3);
  });

  it('--binary stores any bytes and get --binary gives them back exactly', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x0a, 0xed, 0xa0, 0x80, 0x0a]);
    expect((await run(['set', 'blob', '--binary'], { input: bytes })).code).toBe(0);
    const back = await run(['get', 'blob', '--binary']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdoutBytes.equals(bytes)).toBe(true);
    expect((await run(['get', 'blob'])).stdout).toBe(`${bytes.toString('base64')}\n`);
    expect((await run(['set', 'text'], { input: 'plain' })).code).toBe(0);
    expect((await run(['get', 'text', '--binary'])).code).toBe(2);
  });

  it('keeps NUL, astral characters and a BOM in UTF-8 exactly', async () => {
    const value = 'a\u0000b\u{1F512}\uFEFFz';
    expect((await run(['set', 'exact'], { input: value })).code).toBe(0);
    expect((await run(['get', 'exact'])).stdoutBytes.equals(Buffer.from(`${value}\n`))).toBe(true);
  });
});

describe('export then import restores names exactly', () => {
  const { dir, run } = useProject();
  const V1 = plant('round-trip-Value-1');
  const V2 = plant('round-trip-Value-2');

  it('json and yaml keep case and underscores; a folding .env that would overwrite is refused naming both', async () => {
    expect((await run(['set', 'DB_Password'], { input: V1 })).code).toBe(0);
    expect((await run(['set', 'api_key'], { input: V2 })).code).toBe(0);
    for (const format of ['json', 'yaml']) {
      const exported = await run(['export', '--format', format, '--reveal', '-o', `out.${format}`]);
      expect(exported.code, exported.stderr).toBe(0);
      const other = tempProject();
      const there = (args: string[]) => hush(args, { cwd: other });
      expect((await there(['init'])).code).toBe(0);
      const imported = await there(['import', join(dir, `out.${format}`)]);
      expect(imported.code, imported.stderr).toBe(0);
      const names = JSON.parse((await there(['list', '--json'])).stdout) as Array<{ key: string }>;
      expect(names.map((n) => n.key).sort()).toEqual(['DB_Password', 'api_key']);
      expect((await there(['get', 'DB_Password'])).stdout).toBe(`${V1}\n`);
    }
    writeFileSync(join(dir, 'fold.env'), 'DB_URL=one\ndb-url=two\n');
    const folded = await run(['import', 'fold.env']);
    expect(folded.code).toBe(2);
    expect(folded.stderr).toContain("'DB_URL' and 'db-url' both give the secret name 'db-url'");
    expect((await run(['get', 'db-url'])).code).toBe(3);
  });

  it('a 20,000-deep JSON import is a typed error with the depth limit, not a stack overflow', async () => {
    writeFileSync(join(dir, 'deep.json'), `${'{"a":'.repeat(20_000)}"x"${'}'.repeat(20_000)}`);
    const result = await run(['import', 'deep.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nested deeper than 32 levels');
    expect(result.stderr).not.toContain('Maximum call stack');
  });
});

describe('an unreadable store or key file', () => {
  const root = process.getuid?.() === 0;
  const { dir, run } = useProject();

  it('is its own error (exit 6) that stops get, list, run and export', async () => {
    expect((await run(['set', 'k'], { input: 'v' })).code).toBe(0);
    const store = join(dir, '.hush/secrets.enc.json');
    // As root every file is readable: run hush as nobody, owning the project, instead.
    const asUser = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    if (root) spawnSync('chown', ['-R', '65534:65534', dir]);
    chmodSync(store, 0o000);
    const hushAs = (args: string[]) =>
      spawnSync(
        asUser[0] ?? process.execPath,
        [...asUser.slice(1), ...(root ? [process.execPath] : []), BIN, ...args],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', HUSH_SECRET_K: 'from-env' },
          encoding: 'utf8',
        },
      );
    for (const args of [['get', 'k'], ['list'], ['export'], ['run', '--', 'true']]) {
      const result = hushAs(args);
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(6);
      expect(result.stderr).toContain('permission denied');
      expect(result.stdout).not.toContain('from-env');
    }
    chmodSync(store, 0o600);
    if (root) chownSync(dir, 0, 0);
  });
});
