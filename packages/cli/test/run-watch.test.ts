import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const FIRST = plant('watch-First-Value-1111');
const SECOND = plant('watch-Second-Value-22222');
// The values of MODE are masked in the command's output like any secret: never printed here.
const STEADY = 'mode-steady-7070';
const CRASH = 'mode-crash-8080';

/** A running `hush run --watch`: its output as lines, waits on them, and its end. */
function watching(cwd: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', HUSH_ACCESSOR: 'tester' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString();
    wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString();
    wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exited.then(() => clearTimeout(timer));
  const count = (pattern: RegExp, text: string) => (text.match(new RegExp(pattern, 'g')) ?? []).length;
  return {
    child,
    out,
    exited,
    /** Resolves once `pattern` has shown `times` times on stdout or stderr. */
    async waitFor(pattern: RegExp, times = 1, where: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
      while (count(pattern, out[where]) < times) {
        const before = out[where];
        await new Promise<void>((resolve) => waiters.push(resolve));
        if (out[where] === before) continue;
      }
    },
  };
}

/** Long enough for the debounce (200 ms) and a re-read to have happened, were one due. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

describe('hush run --watch', () => {
  const { dir, run } = useProject();

  beforeAll(async () => {
    expect((await run(['set', 'watched'], { input: FIRST })).code).toBe(0);
    expect((await run(['set', 'mode'], { input: STEADY })).code).toBe(0);
    writeFileSync(
      join(dir, 'server.js'),
      `if (process.env.MODE === '${CRASH}') { console.log('failing'); process.exit(2); }
       process.on('SIGTERM', () => { console.log('stopping'); process.exit(0); });
       process.on('SIGHUP', () => console.log('reloaded ' + require('fs').readFileSync(process.env.HUSH_SECRETS_DIR + '/WATCHED', 'utf8').length));
       console.log('started ' + process.env.WATCHED.length);
       setInterval(() => {}, 1000);`,
    );
  });

  it('restarts exactly once after a change, and not at all after a write of the same value', async () => {
    const session = watching(dir, ['run', '--watch', '--', process.execPath, 'server.js']);
    await session.waitFor(/started \d+/);
    expect(session.out.stdout).toContain(`started ${FIRST.length}`);

    expect((await run(['set', 'watched'], { input: SECOND })).code).toBe(0);
    await session.waitFor(/started \d+/, 2);
    expect(session.out.stdout).toContain(`stopping\nstarted ${SECOND.length}`);
    await settle();
    expect(session.out.stdout.match(/started/g)).toHaveLength(2);
    expect(session.out.stderr).toBe('hush: secrets changed (WATCHED): restarting the command\n');

    // A new version with the same value: the environment would not differ.
    expect((await run(['set', 'watched'], { input: SECOND })).code).toBe(0);
    await settle();
    expect(session.out.stdout.match(/started/g)).toHaveLength(2);

    session.child.kill('SIGTERM');
    expect(await session.exited).toBe(0);
  });

  it('backs off a command that fails after a restart, says so, and gives up after five failures', async () => {
    expect((await run(['set', 'mode'], { input: STEADY })).code).toBe(0);
    const session = watching(dir, [
      'run',
      '--watch',
      '--backoff',
      '50ms',
      '--',
      process.execPath,
      'server.js',
    ]);
    await session.waitFor(/started/);
    expect((await run(['set', 'mode'], { input: CRASH })).code).toBe(0);
    expect(await session.exited).toBe(2);
    expect(session.out.stdout.match(/failing/g)).toHaveLength(5);
    const lines = session.out.stderr.trim().split('\n');
    expect(lines[0]).toBe('hush: secrets changed (MODE): restarting the command');
    for (const [i, delay] of ['50 ms', '100 ms', '200 ms', '400 ms'].entries())
      expect(lines[i + 1]).toMatch(
        new RegExp(
          `^hush: the command exited with code 2 \\d+ ms after it was started; starting it again in ${delay} \\(failure ${i + 1} of 5\\)$`,
        ),
      );
    expect(lines[5]).toMatch(/exited with code 2 .* 5 times in a row: giving up$/);
  });

  it('a command that exits by itself ends the run with its exit code, as without --watch', async () => {
    expect((await run(['set', 'mode'], { input: CRASH })).code).toBe(0);
    // The first start fails, and is not retried.
    const result = await run(['run', '--watch', '--', process.execPath, 'server.js']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('failing\n');
    expect(result.stderr).toBe('');
    expect((await run(['set', 'mode'], { input: STEADY })).code).toBe(0);
  });

  it('--reload-signal signals the command instead, after rewriting its mounted files', async () => {
    expect((await run(['set', 'mode'], { input: STEADY })).code).toBe(0);
    expect((await run(['set', 'watched'], { input: FIRST })).code).toBe(0);
    const session = watching(dir, [
      'run',
      '--watch',
      '--mount',
      '--env-too',
      '--reload-signal',
      'SIGHUP',
      '--',
      process.execPath,
      'server.js',
    ]);
    await session.waitFor(/started/);
    expect((await run(['set', 'watched'], { input: SECOND })).code).toBe(0);
    await session.waitFor(/reloaded/);
    expect(session.out.stdout).toContain(`reloaded ${SECOND.length}`);
    expect(session.out.stdout.match(/started/g)).toHaveLength(1);
    expect(session.out.stderr).toBe('hush: secrets changed (WATCHED): sending SIGHUP\n');
    session.child.kill('SIGTERM');
    expect(await session.exited).toBe(0);
  });
});

describe('hush render --watch', () => {
  const { dir, run } = useProject();

  it('re-renders atomically once per change, runs --exec after it, and not for the same value', async () => {
    expect((await run(['set', 'db/url'], { input: FIRST })).code).toBe(0);
    expect((await run(['set', 'other'], { input: 'other-value-3131' })).code).toBe(0);
    writeFileSync(join(dir, 'app.tpl'), 'url: ${secret:db/url}\nother: ${secret:other}\n');
    const session = watching(dir, [
      'render',
      'app.tpl',
      '-o',
      'app.yaml',
      '--watch',
      '--exec',
      'echo reloaded >> hook.log',
    ]);
    await session.waitFor(/wrote app.yaml/, 1, 'stderr');
    expect(readFileSync(join(dir, 'app.yaml'), 'utf8')).toBe(`url: ${FIRST}\nother: other-value-3131\n`);

    expect((await run(['set', 'db/url'], { input: SECOND })).code).toBe(0);
    await session.waitFor(/re-rendered/, 1, 'stderr');
    expect(readFileSync(join(dir, 'app.yaml'), 'utf8')).toBe(`url: ${SECOND}\nother: other-value-3131\n`);
    expect(statSync(join(dir, 'app.yaml')).mode & 0o777).toBe(0o600);
    expect(session.out.stderr).toContain('hush: secrets changed (db/url): re-rendered app.yaml\n');
    await settle();
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toBe('reloaded\n');

    // A new version with the same value renders the same file: nothing is written, no hook.
    expect((await run(['set', 'db/url'], { input: SECOND })).code).toBe(0);
    await settle();
    expect(session.out.stderr.match(/re-rendered/g)).toHaveLength(1);
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toBe('reloaded\n');

    session.child.kill('SIGTERM');
    expect(await session.exited).toBe(0);
  });

  it('--watch needs -o, and --exec needs --watch', async () => {
    const noOutput = await run(['render', 'app.tpl', '--watch']);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toContain('--watch renders to a file: it needs -o OUT');
    const noWatch = await run(['render', 'app.tpl', '-o', 'x.yaml', '--exec', 'true']);
    expect(noWatch.code).toBe(2);
    expect(noWatch.stderr).toContain('--exec runs after each re-render');
  });
});

describe('restarts and re-renders in the audit log', () => {
  const { dir, run } = useProject({
    'hush.config.yaml': 'environments:\n  dev:\n    providers: [{ kind: local }]\naudit:\n  enabled: true\n',
  });

  it('one entry per changed secret, by name, never with its value', async () => {
    expect((await run(['set', 'watched'], { input: FIRST })).code).toBe(0);
    writeFileSync(join(dir, 'app.tpl'), 'v: ${secret:watched}\n');
    writeFileSync(
      join(dir, 'server.js'),
      "process.on('SIGTERM', () => process.exit(0)); console.log('started'); setInterval(() => {}, 1000);",
    );
    const running = watching(dir, ['run', '--watch', '--', process.execPath, 'server.js']);
    const rendering = watching(dir, ['render', 'app.tpl', '-o', 'app.yaml', '--watch']);
    await running.waitFor(/started/);
    await rendering.waitFor(/wrote app.yaml/, 1, 'stderr');
    expect((await run(['set', 'watched'], { input: SECOND })).code).toBe(0);
    await running.waitFor(/started/, 2);
    await rendering.waitFor(/re-rendered/, 1, 'stderr');
    running.child.kill('SIGTERM');
    rendering.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(await rendering.exited).toBe(0);

    const audit = await run(['audit', 'watched', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).not.toContain(SECOND);
    const entries = JSON.parse(audit.stdout) as Array<{ operation: string; secretName: string }>;
    const ours = entries.filter((e) => e.operation === 'restart' || e.operation === 'render');
    expect(ours.map((e) => `${e.operation} ${e.secretName}`).sort()).toEqual([
      'render watched',
      'restart watched',
    ]);
  });
});
