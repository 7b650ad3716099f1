import type { Cli } from '../context.js';
import { confirmOrRefuse } from '../util.js';

export default async function remove(
  cli: Cli,
  [name]: [string],
  options: { yes?: boolean; provider?: string; scope?: string },
): Promise<void> {
  const core = await import('@hush/core');
  (core.validateSecretName as (name: unknown) => void)(name);
  await cli.checkProvider(options.provider);
  if (!(await confirmOrRefuse(`Delete secret '${name}' and all its versions?`, options.yes))) {
    cli.note('not deleted');
    return;
  }
  const manager = await cli.manager();
  await manager.deleteSecret(name, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    actor: cli.accessor,
  });
  if (cli.options.json) cli.printJson({ deleted: name });
  else cli.note(`${cli.colors.green('✓')} deleted ${name}`);
}
