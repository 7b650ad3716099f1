import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Longest run of one example; a child still running then is killed with its whole process group. */
export const EXAMPLE_TIMEOUT_MS = 300_000;

/** Runs a command to its end, with nothing on stdin, and collects what it wrote. */
export function spawnOutcome(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = EXAMPLE_TIMEOUT_MS,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever the example left running in its group (a server it started) goes with it.
      killGroup(child.pid);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A command left running in the background, in a process group of its own. */
export interface Daemon {
  /** What it printed so far, and its exit code once it ended. */
  output(): string;
  exited(): boolean;
  stop(): void;
}

export function startDaemon(script: string, cwd: string, env: Record<string, string>): Daemon {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let code: number | null | undefined;
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  child.on('error', (error) => {
    output += String(error);
    code = null;
  });
  child.on('exit', (exitCode) => {
    code = exitCode;
  });
  return {
    output: () => (code === undefined ? output : `${output}\n(exit ${code})`),
    exited: () => code !== undefined,
    stop: () => killGroup(child.pid),
  };
}

/** Resolves once `path` exists; rejects when a daemon ended first or after `timeoutMs`. */
export async function waitForPath(path: string, daemons: Daemon[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    const ended = daemons.find((daemon) => daemon.exited());
    if (ended) throw new Error(`a daemon ended before ${path} appeared:\n${ended.output()}`);
    if (Date.now() > deadline)
      throw new Error(
        `${path} did not appear within ${timeoutMs / 1000} s:\n${daemons.map((d) => d.output()).join('\n')}`,
      );
    await delay(100);
  }
}

/** A loopback port that nothing listens on (free at the time of asking). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/**
 * A directive's value with `$SANDBOX` (the project folder) and `$NAME` (a variable the block
 * already has, e.g. an emulator's) put in; other `$` text is left alone.
 */
export function expandValue(value: string, project: string, env: Record<string, string>): string {
  return value.replace(/\$([A-Z_][A-Z0-9_]*)/g, (text, name: string) =>
    name === 'SANDBOX' ? project : (env[name] ?? text),
  );
}

/**
 * The package scripts a shell block runs (`npm test`, `npm run demo`) that the package.json of
 * `cwd` does not have: a block that is not run is at least checked for those.
 */
export function missingScripts(code: string, cwd: string): string[] {
  const manifest = join(cwd, 'package.json');
  const scripts = existsSync(manifest)
    ? ((JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {})
    : {};
  const named = new Set<string>();
  for (const match of code.matchAll(/(?:^|[;&|(]\s*)npm\s+(run(?:-script)?\s+)?([\w:.-]+)/gm)) {
    const [, run, word] = match;
    if (run || ['test', 'start', 'stop', 'restart'].includes(word!)) named.add(word!);
  }
  return [...named].filter((name) => !(name in scripts));
}
