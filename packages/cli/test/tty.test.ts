import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.log('skipped: terminal tests need util-linux `script` to provide a pseudo-terminal');

const TYPED = plant('typed-Secret-9876');

/** Runs hush in a pseudo-terminal (util-linux `script`), answering each prompt when it shows. */
function inTerminal(
  cwd: string,
  args: string[],
  answers: Array<[RegExp, string]>,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm', HUSH_ACCESSOR: 'tester' },
    });
    let output = '';
    const pending = [...answers];
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const next = pending[0];
      if (next?.[0].test(output)) {
        pending.shift();
        child.stdin.write(next[1]);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!hasScript)('on a terminal', () => {
  const { dir, run } = useProject();

  it('set asks for the value with a hidden prompt; nothing typed is echoed', async () => {
    const result = await inTerminal(dir, ['set', 'typed'], [[/Value for typed/, `${TYPED}\r`]]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain(TYPED);
    expect((await run(['get', 'typed'])).stdout).toBe(`${TYPED}\n`);
  });

  it('delete asks for confirmation: no keeps the secret, yes deletes it', async () => {
    const no = await inTerminal(dir, ['delete', 'typed'], [[/Delete secret 'typed'/, 'n\r']]);
    expect(no.code, no.output).toBe(0);
    expect((await run(['get', 'typed'])).code).toBe(0);
    const yes = await inTerminal(dir, ['delete', 'typed'], [[/Delete secret 'typed'/, 'y\r']]);
    expect(yes.code, yes.output).toBe(0);
    expect((await run(['get', 'typed'])).code).toBe(3);
  });
});

describe.skipIf(!hasScript)('progress on a terminal', () => {
  const { dir, run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - { kind: local, name: a, options: { path: .hush/a.enc.json } }',
      '      - { kind: local, name: b, options: { path: .hush/b.enc.json } }',
      '    defaultWriteProvider: a',
      '',
    ].join('\n'),
  });

  it('copy shows a progress bar on a terminal and none through a pipe', async () => {
    for (const name of ['p1', 'p2', 'p3'])
      expect((await run(['set', name], { input: `progress-${name}` })).code).toBe(0);
    const terminal = await inTerminal(dir, ['copy', '--from', 'a', '--to', 'b'], []);
    expect(terminal.code, terminal.output).toBe(0);
    expect(terminal.output).toContain('copying a -> b [');
    const piped = await run(['copy', '--from', 'a', '--to', 'b', '--overwrite']);
    expect(piped.stderr).not.toContain('copying a -> b');
    expect(piped.stdout).toContain('unchanged 3');
  });
});
