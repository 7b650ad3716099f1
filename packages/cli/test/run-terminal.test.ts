import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from '@lydell/node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const TOKEN = plant('tty-Token-Value-8080');

/** hush run in a pseudo-terminal of the test's own (node-pty), as a user's terminal would hold it. */
function inTerminal(cwd: string, args: string[], options: { cols?: number; rows?: number } = {}) {
  const term = pty.spawn(process.execPath, [BIN, ...args], {
    name: 'xterm-256color',
    cols: options.cols ?? 100,
    rows: options.rows ?? 30,
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm-256color', HUSH_ACCESSOR: 'tester' },
    encoding: null,
  });
  let output = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  term.onData((data: string | Buffer) => {
    output += data.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(output)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const timer = setTimeout(() => term.kill('SIGKILL'), 20_000);
  void exited.then(() => clearTimeout(timer));
  return {
    term,
    get output() {
      return output;
    },
    exited,
    waitFor: (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        if (pattern.test(output)) resolve();
        else waiters.push({ pattern, resolve });
      }),
  };
}

describe('hush run on a terminal', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    expect((await run(['set', 'api-token'], { input: TOKEN })).code).toBe(0);
  });

  const probe = `
    const tty = ['stdin', 'stdout', 'stderr'].map((s) => s + '=' + Boolean(process[s].isTTY)).join(' ');
    console.log(tty, 'size=' + process.stdout.columns + 'x' + process.stdout.rows);
    console.log('\\u001b[31mred ' + process.env.API_TOKEN + '\\u001b[0m');
    process.exit(7);`;

  it('the command sees a terminal on stdin, stdout and stderr, of our size; colours survive masking', async () => {
    writeFileSync(join(dir, 'probe.js'), probe);
    const session = inTerminal(dir, ['run', '--', process.execPath, 'probe.js'], { cols: 123, rows: 45 });
    expect(await session.exited).toBe(7);
    expect(session.output).toContain('stdin=true stdout=true stderr=true size=123x45');
    expect(session.output).toContain('\u001b[31mred ***\u001b[0m');
    expect(session.output).not.toContain(TOKEN);
  });

  it('--no-tty gives the command pipes, masked as before', async () => {
    const session = inTerminal(dir, ['run', '--no-tty', '--', process.execPath, 'probe.js']);
    expect(await session.exited).toBe(7);
    expect(session.output).toContain('stdout=false stderr=false');
    expect(session.output).toContain('red ***');
    expect(session.output).not.toContain(TOKEN);
  });

  it('without a terminal the command gets pipes', async () => {
    const result = await run(['run', '--', process.execPath, 'probe.js']);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain('stdout=false');
  });

  it('a resize of our terminal reaches the command', async () => {
    writeFileSync(
      join(dir, 'resize.js'),
      `process.stdout.on('resize', () => { console.log('resized ' + process.stdout.columns + 'x' + process.stdout.rows); process.exit(0); });
       console.log('ready ' + process.stdout.columns + 'x' + process.stdout.rows);
       setTimeout(() => process.exit(9), 15000);`,
    );
    const session = inTerminal(dir, ['run', '--', process.execPath, 'resize.js'], { cols: 80, rows: 24 });
    await session.waitFor(/ready 80x24/);
    session.term.resize(132, 50);
    expect(await session.exited).toBe(0);
    expect(session.output).toContain('resized 132x50');
  });

  it('passes typed input through raw, and a signal to hush reaches the command', async () => {
    writeFileSync(
      join(dir, 'echo.js'),
      `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(5); });
       process.stdin.on('data', (d) => { console.log('got ' + JSON.stringify(d.toString())); if (d.includes('q')) process.exit(0); });
       process.stdin.setRawMode(true); console.log('ready');`,
    );
    const typed = inTerminal(dir, ['run', '--', process.execPath, 'echo.js']);
    await typed.waitFor(/ready/);
    typed.term.write('a\tq');
    expect(await typed.exited).toBe(0);
    expect(typed.output).toContain('got "a\\tq"');

    const signalled = inTerminal(dir, ['run', '--', process.execPath, 'echo.js']);
    await signalled.waitFor(/ready/);
    // The hush process itself (the terminal's child), not the command.
    spawnSync('kill', ['-TERM', String(signalled.term.pid)]);
    expect(await signalled.exited).toBe(5);
    expect(signalled.output).toContain('child got SIGTERM');
  });
});
