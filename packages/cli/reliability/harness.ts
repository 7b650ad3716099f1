import { spawn, spawnSync } from 'node:child_process';
import { afterAll } from 'vitest';
import { BIN, type Result } from '../test/helpers.js';

export { BIN, hush, plant, tempProject, useProject } from '../test/helpers.js';
export type { Result };

/**
 * The reliability suite runs in `pnpm test` with a short budget and in `pnpm reliability`
 * (HUSH_RELIABILITY=long) with a long one: more kill points, more processes, more fuzz runs.
 */
export const LONG = process.env.HUSH_RELIABILITY === 'long';

/** A count for the short budget and one for the long. */
export const budget = (short: number, long: number): number => (LONG ? long : short);

const tried = new Map<string, number>();

/** Counts the cases a check tried; each file prints its counts when it ends. */
export function count(kind: string, n = 1): void {
  tried.set(kind, (tried.get(kind) ?? 0) + n);
}

afterAll(() => {
  const lines = [...tried].map(([kind, n]) => `  ${kind}: ${n} cases`);
  const total = [...tried.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(
    `reliability (${LONG ? 'long' : 'short'} budget): ${total} cases tried\n${lines.join('\n')}\n`,
  );
});

export const hasStrace = spawnSync('strace', ['-V']).status === 0;
if (!hasStrace)
  process.stdout.write(
    'reliability: strace is not installed (Debian package strace, listed in .ci/apt-packages): the kill-at-rename checks are skipped\n',
  );

/**
 * Runs the built `hush` under strace, killed with SIGKILL on entering its `when`-th rename (the
 * instant a file is put in place), or not at all when it has fewer. One libuv thread, so that the
 * renames of one run are counted in one sequence.
 */
export function hushKilledAtRename(
  args: string[],
  when: number,
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'strace',
      [
        '-f',
        '-qq',
        '-o',
        '/dev/null',
        '-e',
        `inject=rename,renameat,renameat2:signal=SIGKILL:when=${when}`,
        process.execPath,
        BIN,
        ...args,
      ],
      {
        cwd: options.cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: options.cwd,
          NO_COLOR: '1',
          HUSH_ACCESSOR: 'tester',
          UV_THREADPOOL_SIZE: '1',
          ...options.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}
