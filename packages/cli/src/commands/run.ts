import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { recordChanges } from '../run/audit.js';
import { resolveCommand } from '../run/child.js';
import type { TimingOptions } from '../run/defaults.js';
import { maskValues, resolveVariables } from '../run/environment.js';
import { removeLeftovers, SecretsFolder } from '../run/mount.js';
import { runSession } from '../run/session.js';
import { timingOf } from '../run/timing.js';
import { watchSources } from '../run/watch.js';

interface RunOptions extends TimingOptions {
  prefix?: string;
  provider?: string;
  map?: string;
  mask: boolean;
  tty: boolean;
  keepMasterKey?: boolean;
  mount?: string | boolean;
  envToo?: boolean;
  watch?: boolean;
}

/** Checks the options before anything is read: a usage error comes before any provider call. */
function checkOptions(command: string | undefined, options: RunOptions): void {
  if (!command) throw new UsageError('missing command to run', 'hush run [options] -- <command> [args...]');
  if (options.map && (options.prefix || options.provider))
    throw new UsageError('--map names its secrets: it cannot be combined with --prefix or --provider');
  if (options.envToo && !options.mount) throw new UsageError('--env-too goes with --mount');
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

/**
 * Starts a command with the environment's secrets as variables (or as files, `--mount`), its
 * output masked (see `runSession`); `--watch` starts it again when its secrets change.
 */
export default async function run(cli: Cli, [argv]: [string[]], options: RunOptions): Promise<void> {
  const [command, ...args] = argv;
  checkOptions(command, options);
  const timing = timingOf(options);
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
  const folder = await mountFolder(cli, options, resolved.values);
  process.exitCode = await runSession({
    command: command!,
    args,
    file,
    cwd: cli.cwd,
    values: resolved.values,
    masking: options.mask ? () => manager.masker.createChunkMasker() : undefined,
    tty: options.mask && options.tty,
    keepMasterKey: options.keepMasterKey === true,
    ...(folder ? { folder } : {}),
    ...(options.envToo ? { envToo: true } : {}),
    timing,
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
        timing.reloadSignal ? 'reload' : 'restart',
      );
    },
    ...(options.watch
      ? {
          watch: (poke) =>
            watchSources(manager, {
              intervalMs: timing.intervalMs,
              ...(options.provider ? { only: options.provider } : {}),
              poke,
            }),
        }
      : {}),
  });
}
