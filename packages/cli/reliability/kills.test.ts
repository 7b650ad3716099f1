import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, count, hasStrace, hush, hushKilledAtRename, LONG, plant, tempProject } from './harness.js';

const KEY = Buffer.alloc(32, 51).toString('base64');
const OLD = plant('kill-old-Value-41');
const NEW = plant('kill-new-Value-42');

/** Each write command, the value it leaves for `target` when it completes, and its input. */
const COMMANDS: Array<{ name: string; args: string[]; input?: string; after: string | null }> = [
  { name: 'set', args: ['set', 'target'], input: NEW, after: NEW },
  { name: 'import', args: ['import', 'in.json'], after: NEW },
  { name: 'rotate', args: ['rotate', 'target', '--value-stdin'], input: NEW, after: NEW },
  { name: 'rollback', args: ['rollback', 'target', '--to', '1'], after: OLD },
  { name: 'delete', args: ['delete', 'target', '--yes'], after: null },
  { name: 'reseal', args: ['reseal', '--yes'], after: OLD },
];

describe.skipIf(!hasStrace)('write commands killed at each rename', () => {
  it('leave the store whole: the value before or after, never a broken store', async () => {
    for (const command of COMMANDS) {
      for (const when of LONG ? [1, 2, 3, 4, 5] : [1, 2]) {
        const dir = tempProject({ 'in.json': JSON.stringify({ target: NEW, other: 'x' }) });
        const env = { HUSH_MASTER_KEY: KEY };
        expect((await hush(['set', 'target'], { cwd: dir, env, input: OLD })).code).toBe(0);
        if (command.name === 'rollback')
          expect((await hush(['set', 'target'], { cwd: dir, env, input: 'between' })).code).toBe(0);
        const killed = await hushKilledAtRename(command.args, when, {
          cwd: dir,
          env,
          ...(command.input !== undefined ? { input: command.input } : {}),
        });
        count(`${command.name} killed before rename N`);
        const list = await hush(['list'], { cwd: dir, env });
        expect(list.code, `${command.name} @${when}: ${list.stderr}`).toBe(0);
        const get = await hush(['get', 'target'], { cwd: dir, env });
        const before = command.name === 'rollback' ? 'between' : OLD;
        const allowed = [`${before}\n`, command.after === null ? '' : `${command.after}\n`];
        expect(allowed, `${command.name} @${when}: ${get.stderr}`).toContain(get.stdout);
        if (killed.signal !== 'SIGKILL') {
          expect(get.stdout).toBe(command.after === null ? '' : `${command.after}\n`);
          break;
        }
      }
    }
  }, 600_000);
});

describe('modes under umask 000', () => {
  it('files are 0600 and folders 0700, the access-control and audit files included', async () => {
    const dir = tempProject({
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers: [{ kind: local }]',
        'audit:',
        '  enabled: true',
        'accessControl:',
        '  policyFile: .hush/policy.yaml',
        '  rootAccessors: [root]',
        '',
      ].join('\n'),
    });
    writeFileSync(join(dir, 'umask.sh'), `umask 000\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    const sh = (args: string[], input = '') =>
      new Promise<number | null>((resolve) => {
        const child = spawn('sh', [join(dir, 'umask.sh'), ...args], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', HOME: dir, HUSH_ACCESSOR: 'root' },
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        child.stdin.end(input);
        child.on('close', resolve);
      });
    expect(await sh(['init'])).toBe(0);
    expect(await sh(['set', 'a'], 'v')).toBe(0);
    expect(await sh(['delete', 'a', '--yes'])).toBe(0);
    expect(await sh(['grant', 'x', 'bob', 'read'])).toBe(0);
    const hushDir = join(dir, '.hush');
    expect(statSync(hushDir).mode & 0o777).toBe(0o700);
    for (const entry of readdirSync(hushDir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      const mode = statSync(path).mode & 0o777;
      count('modes checked under umask 000');
      expect(mode, path).toBe(entry.isDirectory() ? 0o700 : 0o600);
    }
  }, 120_000);
});
