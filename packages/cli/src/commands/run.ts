import { constants } from 'node:os';
import type { SecretManager } from '@hush/core';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { recordChanges } from '../run/audit.js';
import { type RunningChild, resolveCommand, type StartOptions, startPiped } from '../run/child.js';
import { childEnvironment, maskValues, resolveVariables } from '../run/environment.js';
import { removeLeftovers, SecretsFolder } from '../run/mount.js';
import { Supervisor } from '../run/supervisor.js';
import { watchSources } from '../run/watch.js';

interface RunOptions {
  prefix?: string;
  provider?: string;
  map?: string;
  mask: boolean;
  tty: boolean;
  keepMasterKey?: boolean;
  mount?: string | boolean;
  envToo?: boolean;
  watch?: boolean;
  watchInterval: string;
  grace: string;
  signal: string;
  reloadSignal?: string;
  backoff: string;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Failed starts in a row after a restart before `run --watch` gives up. */
const MAX_FAILURES = 5;
/** Quiet time after a burst of file events (an editor's save, a bulk import) before reading again. */
const DEBOUNCE_MS = 200;

interface Timing {
  intervalMs: number;
  graceMs: number;
  backoffMs: number;
  signal: NodeJS.Signals;
  reloadSignal?: NodeJS.Signals;
}

/** Checks the options before anything is read: a usage error comes before any provider call. */
async function timingOf(command: string | undefined, options: RunOptions): Promise<Timing> {
  if (!command) throw new UsageError('missing command to run', 'hush run [options] -- <command> [args...]');
  if (options.map && (options.prefix || options.provider))
    throw new UsageError('--map names its secrets: it cannot be combined with --prefix or --provider');
  if (options.envToo && !options.mount) throw new UsageError('--env-too goes with --mount');
  const core = await import('@hush/core');
  const ms = (value: string, option: string): number => {
    try {
      return core.parseDuration(value);
    } catch {
      throw new UsageError(`${option} expects a duration such as 30s or 500ms, got '${value}'`);
    }
  };
  return {
    intervalMs: ms(options.watchInterval, '--watch-interval'),
    graceMs: ms(options.grace, '--grace'),
    backoffMs: ms(options.backoff, '--backoff'),
    signal: signalOption(options.signal, '--signal'),
    ...(options.reloadSignal ? { reloadSignal: signalOption(options.reloadSignal, '--reload-signal') } : {}),
  };
}

/** `--mount`: the private folder, with the values written into it (after leftovers are removed). */
async function mountFolder(
  cli: Cli,
  options: RunOptions,
  values: Record<string, string>,
): Promise<SecretsFolder | undefined> {
  if (!options.mount) return undefined;
  removeLeftovers();
  const folder = await SecretsFolder.create(
    typeof options.mount === 'string' ? options.mount : undefined,
    cli.cwd,
  );
  await folder.write(values);
  return folder;
}

/** Starts the command (again, with `--watch`) with the values as variables, files or both. */
function starter(
  cli: Cli,
  manager: SecretManager,
  run: {
    command: string;
    args: string[];
    file: string;
    tty: boolean;
    folder: SecretsFolder | undefined;
    options: RunOptions;
  },
): (values: Record<string, string>) => Promise<RunningChild> {
  const { command, args, file, tty, folder, options } = run;
  return async (values) => {
    const env = childEnvironment(folder && !options.envToo ? {} : values, {
      keepMasterKey: options.keepMasterKey === true,
      ...(folder ? { extra: { HUSH_SECRETS_DIR: folder.path } } : {}),
    });
    const start: StartOptions = {
      command,
      args,
      env,
      cwd: cli.cwd,
      tty,
      ...(options.mask ? { masking: () => manager.masker.createStream() } : {}),
    };
    if (!tty) return startPiped(start);
    const { startInTerminal } = await import('../run/pty.js');
    return startInTerminal({ ...start, file });
  };
}

/**
 * Starts a command with the environment's secrets as variables (or as files, `--mount`). Its
 * output passes through the manager's masker: through pipes, or, when our stdout is a terminal,
 * through a pseudo-terminal of its own so that it still sees one. Its exit code is ours, a death
 * by signal N is 128+N, and signals sent to hush are passed on to it. `--watch` starts it again
 * when its secrets change.
 */
export default async function run(cli: Cli, [argv]: [string[]], options: RunOptions): Promise<void> {
  const [command, ...args] = argv;
  const timing = await timingOf(command, options);
  await cli.checkProvider(options.provider);

  const selection = {
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.map ? { map: options.map } : {}),
  };
  let resolved = await resolveVariables(cli, selection);
  const manager = await cli.manager();
  maskValues(manager.masker, resolved.values);

  const file = resolveCommand(command!, process.env, cli.cwd);
  const tty = options.mask && options.tty && process.stdout.isTTY === true;
  const folder = await mountFolder(cli, options, resolved.values);
  // A kill of hush by a signal it cannot catch leaves the folder for the next run; any other end removes it.
  const cleanup = () => folder?.remove();
  process.once('exit', cleanup);

  const start = starter(cli, manager, { command: command!, args, file, tty, folder, options });
  const { reloadSignal } = timing;
  const supervisor = new Supervisor(resolved.values, {
    start,
    read: async (trigger) => {
      resolved = await resolveVariables(cli, selection, { fresh: trigger === 'file', quiet: true });
      maskValues(manager.masker, resolved.values);
      return resolved.values;
    },
    changed: async (values, names) => {
      if (folder) await folder.write(values);
      await recordChanges(
        cli,
        names.map((variable) => resolved.sources[variable] ?? variable),
        reloadSignal ? 'reload' : 'restart',
      );
    },
    note: (line) => process.stderr.write(`${line}\n`),
    signal: timing.signal,
    ...(reloadSignal ? { reloadSignal } : {}),
    graceMs: timing.graceMs,
    debounceMs: Math.min(DEBOUNCE_MS, timing.intervalMs),
    backoffMs: timing.backoffMs,
    stableMs: Math.max(timing.graceMs, 10 * timing.backoffMs),
    maxFailures: MAX_FAILURES,
  });
  const forward = (received: NodeJS.Signals) => supervisor.forward(received);
  for (const name of FORWARDED) process.on(name, forward);
  const sources = options.watch
    ? watchSources(manager, {
        intervalMs: timing.intervalMs,
        ...(options.provider ? { only: options.provider } : {}),
        poke: (trigger) => supervisor.poke(trigger),
      })
    : undefined;
  try {
    process.exitCode = await supervisor.run();
  } finally {
    sources?.close();
    for (const name of FORWARDED) process.off(name, forward);
    cleanup();
    process.off('exit', cleanup);
  }
}

function signalOption(value: string, option: string): NodeJS.Signals {
  const name = (
    value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`
  ) as NodeJS.Signals;
  if (!(name in constants.signals))
    throw new UsageError(`${option}: unknown signal '${value}' (e.g. SIGTERM, SIGHUP, SIGINT)`);
  return name;
}
