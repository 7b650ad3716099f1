import type { Command } from 'commander';
import { Cli, globalOptions } from './context.js';

/** A command's module: its default export runs it. */
export type CommandModule = {
  default: (cli: Cli, args: any, options: any, command: Command) => Promise<void>;
};

/** Adds one command to the program (its name and description); the definition adds the rest. */
export type Sub = (name: string, description: string) => Command;

/** Command definitions by command name, in the order `hush --help` lists them. */
export type Definitions = Record<string, (sub: Sub) => void>;

/** Set when a command starts, so that errors can be scrubbed with its manager's masker. */
export const state: { cli?: Cli } = {};

/** A repeatable option's values. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Access control checks an operation within a scope; grants in other scopes do not apply. */
export const SCOPE_HELP = 'act within this scope (global, plugin, agent, user) for access control';

/** Merges the program's and the command's options; a value given on the command line wins over a default. */
function mergedOptions(command: Command): Record<string, unknown> {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    const opts = c.opts();
    for (const [key, value] of Object.entries(opts)) {
      const source = c.getOptionValueSource(key);
      if (merged[key] === undefined || (source !== undefined && source !== 'default')) merged[key] = value;
    }
  }
  return merged;
}

/** A command's action: the command's module is loaded only when it runs. */
export function lazy(load: () => Promise<CommandModule>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const positional = args.slice(0, -2);
    const options = mergedOptions(command);
    const cli = new Cli(globalOptions(options));
    state.cli = cli;
    const mod = await load();
    try {
      await mod.default(cli, positional, options, command);
    } finally {
      await cli.dispose();
    }
  };
}
