import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm', HUSH_ACCESSOR: 'tester', ...env },
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

  it('Ctrl-C at a prompt cancels with exit 130 and stores nothing', async () => {
    const result = await inTerminal(dir, ['set', 'cancelled'], [[/Value for cancelled/, '\u0003']]);
    expect(result.code, result.output).toBe(130);
    expect(result.output).toContain('hush: cancelled');
    expect((await run(['get', 'cancelled'])).code).toBe(3);
  });

  it('colours on a terminal; --no-color, HUSH_NO_COLOR and NO_COLOR turn them off', async () => {
    const bold = '\u001b[1m';
    const coloured = await inTerminal(dir, ['list'], []);
    expect(coloured.code, coloured.output).toBe(0);
    expect(coloured.output).toContain(`${bold}NAME`);
    const flag = await inTerminal(dir, ['list', '--no-color'], []);
    expect(flag.output).toContain('NAME');
    expect(flag.output).not.toContain(bold);
    for (const variable of ['HUSH_NO_COLOR', 'NO_COLOR']) {
      const plain = await inTerminal(dir, ['list'], [], { [variable]: '1' });
      expect(plain.output, variable).toContain('NAME');
      expect(plain.output, variable).not.toContain(bold);
    }
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

  it('import shows a status line on a terminal and none through a pipe', async () => {
    writeFileSync(join(dir, 'progress.env'), 'ONE=progress-1\nTWO=progress-2\n');
    const terminal = await inTerminal(dir, ['import', 'progress.env'], []);
    expect(terminal.code, terminal.output).toBe(0);
    expect(terminal.output).toContain('importing 2 secrets into a');
    const piped = await run(['import', 'progress.env']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('importing 2 secrets');
  });

  it('sync shows a progress bar on a terminal and none through a pipe', async () => {
    for (const name of ['s1', 's2'])
      expect((await run(['set', name], { input: `progress-${name}` })).code).toBe(0);
    const terminal = await inTerminal(dir, ['sync', '--from', 'a', '--to', 'b'], []);
    expect(terminal.code, terminal.output).toBe(0);
    expect(terminal.output).toContain('syncing a -> b [');
    expect((await run(['set', 's3'], { input: 'progress-s3' })).code).toBe(0);
    expect((await run(['set', 's4'], { input: 'progress-s4' })).code).toBe(0);
    const piped = await run(['sync', '--from', 'a', '--to', 'b']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('2 to create');
    expect(piped.stderr).not.toContain('syncing a -> b');
  });
});

describe.skipIf(!hasScript)('rekey of a passphrase store on a terminal', () => {
  const OLD = plant('tty-Old-Passphrase-1');
  const NEW = plant('tty-New-Passphrase-2');
  const { dir, run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  dev:',
        '    providers:',
        '      - kind: local',
        '        options: { passphrase: "${env:APP_PASSPHRASE}", scrypt: { N: 16384, r: 8, p: 1 } }',
        '',
      ].join('\n'),
    },
    { init: false },
  );

  it('asks twice with hidden prompts; two different answers change nothing (exit 2)', async () => {
    expect((await run(['set', 'pp'], { input: 'pp-tty-value', env: { APP_PASSPHRASE: OLD } })).code).toBe(0);
    const differ = await inTerminal(
      dir,
      ['rekey'],
      [
        [/New passphrase/, `${NEW}\r`],
        [/Repeat the new passphrase/, 'something-else\r'],
      ],
      { APP_PASSPHRASE: OLD },
    );
    expect(differ.code, differ.output).toBe(2);
    expect(differ.output).toContain('the two passphrases differ');
    expect((await run(['get', 'pp'], { env: { APP_PASSPHRASE: OLD } })).stdout).toBe('pp-tty-value\n');

    const done = await inTerminal(
      dir,
      ['rekey'],
      [
        [/New passphrase/, `${NEW}\r`],
        [/Repeat the new passphrase/, `${NEW}\r`],
      ],
      { APP_PASSPHRASE: OLD },
    );
    expect(done.code, done.output).toBe(0);
    expect(done.output).not.toContain(NEW);
    // Long work shows on a terminal: a status line while the store is re-encrypted.
    expect(done.output).toContain('re-encrypting .hush/secrets.enc.json');
    expect((await run(['get', 'pp'], { env: { APP_PASSPHRASE: NEW } })).stdout).toBe('pp-tty-value\n');
  });
});
