import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

export const BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bin/hush.cjs');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Called with the child once it is started (signal tests). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Values planted by tests: none may ever show on any stderr of this file. */
const planted = new Set<string>();
const stderrs: string[] = [];

export function plant(value: string): string {
  planted.add(value);
  return value;
}

/** Every stderr of this test file is checked for planted values when it ends. */
export function checkStderrClean(): void {
  afterAll(() => {
    for (const value of planted)
      for (const stderr of stderrs)
        expect(stderr.includes(value), 'a planted secret value appeared on stderr').toBe(false);
  });
}

/**
 * The code cache of this test file's commands: kept out of the projects (whose files tests count),
 * and shared by the file's commands, as a user's commands share theirs.
 */
let cacheHome: string | undefined;
function codeCacheHome(): string {
  cacheHome ??= tempProject();
  return cacheHome;
}

/** Runs the built `hush` with a controlled environment (no HUSH_* from the caller, no colours). */
export function hush(args: string[], options: RunOptions): Promise<Result> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd,
    XDG_CACHE_HOME: codeCacheHome(),
    NO_COLOR: '1',
    HUSH_ACCESSOR: 'tester',
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString('utf8');
      stderrs.push(stderr);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes });
    });
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

/** Temporary folders of this test file, removed when it ends (also those made inside a test). */
const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary project folder; removed after the file's tests. */
export function tempProject(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hush-cli-test-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/**
 * A temporary project for a describe block (call it at collect time): `hush init` runs in
 * beforeAll unless `init: false`; `run` runs hush in it.
 */
export function useProject(
  files: Record<string, string> = {},
  options: { init?: boolean } = {},
): { dir: string; run: (args: string[], extra?: Omit<RunOptions, 'cwd'>) => Promise<Result> } {
  const dir = tempProject(files);
  const run = (args: string[], extra: Omit<RunOptions, 'cwd'> = {}) => hush(args, { cwd: dir, ...extra });
  if (options.init !== false)
    beforeAll(async () => {
      const init = await run(['init']);
      expect(init.code, init.stderr).toBe(0);
    });
  return { dir, run };
}
