import type { ProviderConfig } from '@hush/core';
import type { LocalSecretProvider, NewKey } from '@hush/provider-local';
import { builtinProviders } from './builtins.js';
import type { Cli } from './context.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { cliPackageDir } from './resolve.js';

/** A new key for provider-local's `rekey`: a master key, or a passphrase (with its scrypt cost). */
export type NewLocalKey = NewKey;

/** A local store, from the CLI's built-in provider-local, or one a `module:` names (checked by shape). */
export type LocalStore = LocalSecretProvider;

async function isLocalStore(value: unknown): Promise<boolean> {
  const { isLocalSecretProvider } = await import('@hush/provider-local');
  return isLocalSecretProvider(value);
}

/** The local provider named by --provider, else the environment's first local provider. */
export async function findLocalStore(
  cli: Cli,
  pin?: string,
): Promise<{ store: LocalStore; spec: ProviderConfig; options: Record<string, unknown> }> {
  await cli.checkProvider(pin);
  const settings = await cli.settings();
  const spec = pin
    ? settings.environment.providers.find((p) => p.name === pin)
    : settings.environment.providers.find((p) => p.kind === 'local');
  if (!spec) throw new CliError(`environment '${settings.environmentName}' has no local provider`);
  if (spec.kind !== 'local')
    throw new UsageError(`provider '${spec.name}' is a ${spec.kind} provider, not a local store`);
  const manager = await cli.manager();
  const store = manager.getProvider(spec.name);
  if (!(await isLocalStore(store)))
    throw new CliError(`provider '${spec.name}' does not support rekey/reseal`);
  return { store: store as LocalStore, spec, options: spec.options };
}

/** A local provider that takes its key from HUSH_MASTER_KEY or a key file (not from its own options). */
export function usesSharedKey(spec: ProviderConfig): boolean {
  return (
    spec.kind === 'local' && spec.options.masterKey === undefined && spec.options.passphrase === undefined
  );
}

/**
 * Every local store of the configuration, in any environment, other than `except`: opened (not
 * initialized) with the provider the manager would use. The caller disposes them.
 */
export async function otherLocalStores(
  cli: Cli,
  except: string,
  select: (spec: ProviderConfig) => boolean,
): Promise<Array<{ store: LocalStore; spec: ProviderConfig }>> {
  const settings = await cli.settings();
  const core = await import('@hush/core');
  const root = settings.config.root;
  const seen = new Set([except]);
  const found: Array<{ store: LocalStore; spec: ProviderConfig }> = [];
  for (const environment of Object.values(settings.config.environments))
    for (const spec of environment.providers) {
      if (!select(spec)) continue;
      const provider = await core.createProviderFromSpec(
        spec,
        { name: spec.name, root, env: process.env },
        { root, fallbackPaths: [cliPackageDir()], builtinProviders },
      );
      if (!(await isLocalStore(provider)) || seen.has((provider as LocalStore).path)) {
        await provider.dispose?.();
        continue;
      }
      const store = provider as LocalStore;
      seen.add(store.path);
      found.push({ store, spec });
    }
  return found;
}

/**
 * rekey and reseal work on the store file, beneath the manager and its permission check: with
 * access control enforced they need admin over every secret (a root accessor, or admin on a
 * pattern that matches every name: `**` or `*`; decided on what the pattern matches, not its text).
 */
export async function requireStoreAdmin(cli: Cli, action: string): Promise<void> {
  if (!(await cli.settings()).accessControl) return;
  const control = await cli.accessControl();
  if (await control.hasAdminOverEverything(cli.accessor)) return;
  throw new CliError(
    `access denied: '${cli.accessor}' may not ${action} the local store`,
    EXIT.denied,
    "it takes admin on every secret: a root accessor, or a grant of admin on '**'",
  );
}

/** Tells the user when a write created a local store's key file (it must be backed up). */
export function noteCreatedKeyFiles(cli: Cli, manager: import('@hush/core').SecretManager): void {
  for (const name of manager.providerNames) {
    const provider = manager.getProvider(name) as { createdKeyFile?: boolean; keyFile?: string } | undefined;
    if (provider?.createdKeyFile && provider.keyFile)
      cli.note(
        `created ${provider.keyFile} (mode 0600) for the new store: back it up somewhere safe, never commit it`,
      );
  }
}
