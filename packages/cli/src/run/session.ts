import type { ChunkMasker } from '@hush/core';
import { stdoutIsTerminal } from '../stdio.js';
import { type RunningChild, type StartOptions, startPiped } from './child.js';
import { childEnvironment } from './environment.js';
import type { SecretsFolder } from './mount.js';
import { Supervisor, type SupervisorOptions, type Trigger } from './supervisor.js';
import type { Timing } from './timing.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Failed starts in a row after a restart before `run --watch` gives up. */
const MAX_FAILURES = 5;
/** Quiet time after a burst of file events (an editor's save, a bulk import) before reading again. */
const DEBOUNCE_MS = 200;

/** One `hush run` once its secrets are read: what to start, how, and (with --watch) how to renew. */
export interface RunSession {
  command: string;
  args: string[];
  /** The file `command` runs (`resolveCommand`), found before anything was created for the run. */
  file: string;
  cwd: string;
  /** The first start's variables (already registered with the masker). */
  values: Record<string, string>;
  /** A masker per output, or undefined (`--no-mask`). */
  masking: (() => ChunkMasker) | undefined;
  /** Whether to ask for a pseudo-terminal (masking on, not --no-tty); used when stdout is one. */
  tty: boolean;
  keepMasterKey: boolean;
  /** `--mount`: the folder the values are written to. */
  folder?: SecretsFolder;
  /** With --mount: the values in the environment as well. */
  envToo?: boolean;
  timing: Timing;
  /** Reads the variables again (--watch). */
  read: SupervisorOptions['read'];
  /** Before a restart or reload with new variables. */
  changed: SupervisorOptions['changed'];
  /** --watch: starts watching the sources, poking on a change. */
  watch?: (poke: (trigger: Trigger) => void) => { close(): void };
}

/**
 * Starts the command (again, with --watch) and supervises it: its exit code is the result, a
 * death by signal N is 128+N, and signals sent to hush are passed on to it. Its output passes
 * through the masker: through pipes, or, when our stdout is a terminal, through a
 * pseudo-terminal of its own so that it still sees one.
 */
export async function runSession(session: RunSession): Promise<number> {
  const { folder, timing } = session;
  const tty = session.tty && stdoutIsTerminal();
  // A kill of hush by a signal it cannot catch leaves the folder for the next run; any other end removes it.
  const cleanup = () => folder?.remove();
  process.once('exit', cleanup);
  const supervisor = new Supervisor(session.values, {
    start: starter(session, tty),
    read: session.read,
    changed: session.changed,
    note: (line) => process.stderr.write(`${line}\n`),
    signal: timing.signal,
    ...(timing.reloadSignal ? { reloadSignal: timing.reloadSignal } : {}),
    graceMs: timing.graceMs,
    debounceMs: Math.min(DEBOUNCE_MS, timing.intervalMs),
    backoffMs: timing.backoffMs,
    stableMs: Math.max(timing.graceMs, 10 * timing.backoffMs),
    maxFailures: MAX_FAILURES,
  });
  const forward = (received: NodeJS.Signals) => supervisor.forward(received);
  for (const name of FORWARDED) process.on(name, forward);
  const sources = session.watch?.((trigger) => supervisor.poke(trigger));
  try {
    return await supervisor.run();
  } finally {
    sources?.close();
    for (const name of FORWARDED) process.off(name, forward);
    cleanup();
    process.off('exit', cleanup);
  }
}

/** Starts the command with the values as variables, files or both. */
function starter(
  session: RunSession,
  tty: boolean,
): (values: Record<string, string>) => Promise<RunningChild> {
  const { command, args, file, cwd, folder, masking } = session;
  return async (values) => {
    const env = childEnvironment(folder && !session.envToo ? {} : values, {
      keepMasterKey: session.keepMasterKey,
      ...(folder ? { extra: { HUSH_SECRETS_DIR: folder.path } } : {}),
    });
    const start: StartOptions = { command, args, env, cwd, tty, ...(masking ? { masking } : {}) };
    if (!tty) return startPiped(start);
    const { startInTerminal } = await import('./pty.js');
    return startInTerminal({ ...start, file });
  };
}
