import type { Command } from 'commander';
import { bashScript, fishScript, zshScript } from '../completion.js';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript };
const LISTS = ['environments', 'providers', 'secrets'];

/**
 * Prints a completion script for bash, zsh or fish; `--list KIND` prints the names the scripts
 * complete from (environments, providers of the environment, secret names): never a value.
 */
export default async function completion(
  cli: Cli,
  [shell]: [string | undefined],
  options: { list?: string },
  command: Command,
): Promise<void> {
  if (options.list) {
    if (!LISTS.includes(options.list))
      throw new UsageError(`--list takes one of ${LISTS.join(', ')}, got '${options.list}'`);
    for (const name of await names(cli, options.list)) cli.print(name);
    return;
  }
  const script = shell ? SHELLS[shell as keyof typeof SHELLS] : undefined;
  if (!script)
    throw new UsageError(
      shell ? `no completion for '${shell}' (bash, zsh or fish)` : 'which shell? bash, zsh or fish',
      'source <(hush completion bash)',
    );
  // The scripts are drawn from the running program itself, so they never drift from its commands.
  let program = command;
  while (program.parent) program = program.parent;
  process.stdout.write(script(program));
}

async function names(cli: Cli, kind: string): Promise<string[]> {
  const settings = await cli.settings();
  if (kind === 'environments') return Object.keys(settings.config.environments);
  if (kind === 'providers') return settings.environment.providers.map((p) => p.name);
  const manager = await cli.manager();
  return (await manager.listSecrets({ accessor: cli.accessor })).map((info) => info.key);
}
