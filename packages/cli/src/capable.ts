import type { SecretProvider } from '@hush/core';
import type { Cli } from './context.js';
import { CliError, EXIT, UsageError } from './errors.js';

/** A provider of the environment together with the name configuration gives it. */
export interface NamedProvider {
  name: string;
  kind: string;
  provider: SecretProvider;
}

/**
 * The provider an operator command talks to: `--provider`, else the one provider of the
 * environment that offers `method` (leases, policies). Two candidates need `--provider`.
 */
export async function providerOffering(
  cli: Cli,
  method: keyof SecretProvider,
  what: string,
  pin?: string,
): Promise<NamedProvider> {
  await cli.checkProvider(pin);
  const manager = await cli.manager();
  await manager.initialize();
  const settings = await cli.settings();
  const kindOf = (name: string) =>
    settings.environment.providers.find((p) => p.name === name)?.kind ?? 'unknown';
  const names = pin ? [pin] : manager.providerNames;
  const offering = names.filter((name) => typeof manager.getProvider(name)?.[method] === 'function');
  if (pin && offering.length === 0)
    throw new CliError(`provider '${pin}' (kind ${kindOf(pin)}) does not support ${what}`);
  if (offering.length === 0)
    throw new CliError(
      `no provider of environment '${settings.environmentName}' supports ${what}`,
      EXIT.failure,
      'configure one that does (kind: vault) in the environment, or pass --provider',
    );
  if (offering.length > 1)
    throw new UsageError(
      `more than one provider supports ${what} (${offering.join(', ')}): choose one with --provider`,
    );
  const name = offering[0]!;
  return { name, kind: kindOf(name), provider: manager.getProvider(name)! };
}
