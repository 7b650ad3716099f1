import type { Cli } from './context.js';
import { CliError, UsageError } from './errors.js';

/** What the CLI needs of a local provider beyond the SPI (duck-typed: it may come from the project's copy). */
export interface LocalStore {
  name: string;
  kind: string;
  path: string;
  keyFile: string;
  rekey(newKey: { masterKey: string }): Promise<void>;
  reseal(): Promise<{ secrets: number; versions: number; generation: number; backup?: string }>;
}

/** The local provider named by --provider, else the environment's first local provider. */
export async function findLocalStore(
  cli: Cli,
  pin?: string,
): Promise<{ store: LocalStore; options: Record<string, unknown> }> {
  await cli.checkProvider(pin);
  const settings = await cli.settings();
  const spec = pin
    ? settings.environment.providers.find((p) => p.name === pin)
    : settings.environment.providers.find((p) => p.kind === 'local');
  if (!spec) throw new CliError(`environment '${settings.environmentName}' has no local provider`);
  if (spec.kind !== 'local')
    throw new UsageError(`provider '${spec.name}' is a ${spec.kind} provider, not a local store`);
  const manager = await cli.manager();
  const store = manager.getProvider(spec.name) as unknown as LocalStore;
  if (typeof store?.rekey !== 'function')
    throw new CliError(`provider '${spec.name}' does not support rekey/reseal`);
  return { store, options: spec.options };
}
