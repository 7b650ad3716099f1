import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ChunkMasker } from '@hush/core';
import { CliError } from '../errors.js';

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started command: signal it, and learn (after its output is flushed) how it ended. */
export interface RunningChild {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<ChildOutcome>;
}

export interface StartOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** A masker per output (a fresh one each call), or undefined to pass output through. */
  masking?: () => ChunkMasker;
  /** Run under a pseudo-terminal (stdout, stderr and stdin share it). */
  tty: boolean;
}

/** The exit code `run` reports for an outcome: the child's own, or 128+N for a death by signal N. */
export function exitCodeOf(outcome: ChildOutcome): number {
  return outcome.signal
    ? 128 + (process.getBuiltinModule('node:os').constants.signals[outcome.signal] ?? 0)
    : (outcome.code ?? 1);
}

/**
 * The file a command name runs, looked up on PATH as the shell does: not found is exit 127, found
 * but not executable 126 (before anything is started, the same for pipes and a pseudo-terminal).
 */
export function resolveCommand(command: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const notExecutable = () => new CliError(`command not executable: ${command}`, 126);
  const executable = (path: string): boolean | 'denied' => {
    // Most folders of PATH lack the command: a miss is an answer, not an error to make and throw.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    try {
      accessSync(path, fsConstants.X_OK);
      return true;
    } catch {
      return 'denied';
    }
  };
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const found = executable(path);
    if (found === true) return path;
    if (found === 'denied') throw notExecutable();
    throw new CliError(`command not found: ${command}`, 127);
  }
  let denied = false;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, command);
    const found = executable(path);
    if (found === true) return path;
    if (found === 'denied') denied = true;
  }
  if (denied) throw notExecutable();
  throw new CliError(`command not found: ${command}`, 127);
}

/** Starts the command with pipes: output through the masker, stdin inherited. */
export function startPiped(options: StartOptions): RunningChild {
  const masking = options.masking;
  const child = spawn(options.command, options.args, {
    stdio: masking ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    env: options.env,
    cwd: options.cwd,
  });
  const streams: Promise<void>[] = [];
  if (masking) {
    // hush's own streams are made when the command first prints (a command may print nothing).
    streams.push(pipeMasked(child.stdout!, () => process.stdout, masking));
    streams.push(pipeMasked(child.stderr!, () => process.stderr, masking));
  }
  const exited = new Promise<ChildOutcome>((resolvePromise, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new CliError(`command not found: ${options.command}`, 127));
      else if (error.code === 'EACCES')
        reject(new CliError(`command not executable: ${options.command}`, 126));
      else reject(error);
    });
    child.once('exit', (code, signal) => resolvePromise({ code, signal }));
  }).then(async (outcome) => {
    await Promise.all(streams);
    return outcome;
  });
  return {
    get pid() {
      return child.pid;
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
  };
}

/**
 * The child's output, masked chunk by chunk, to ours; resolves when it has all gone out. The
 * masker is made when the first chunk comes (a command may print nothing), so that making it
 * runs while the command starts rather than before.
 */
function pipeMasked(source: Readable, target: () => Writable, masking: () => ChunkMasker): Promise<void> {
  return new Promise((resolvePromise) => {
    let masker: ChunkMasker | undefined;
    const send = (bytes: Buffer) => {
      if (bytes.length > 0) target().write(bytes);
    };
    source.on('data', (chunk: Buffer) => {
      masker ??= masking();
      send(masker.write(chunk));
    });
    source.on('end', () => {
      if (masker) send(masker.end());
      resolvePromise();
    });
    source.on('error', () => resolvePromise());
  });
}
