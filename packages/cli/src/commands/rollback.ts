import type { Cli } from '../context.js';

export default async function rollback(
  cli: Cli,
  [name]: [string],
  options: { to: string; provider?: string; scope?: string },
): Promise<void> {
  await cli.checkProvider(options.provider);
  const manager = await cli.manager();
  const info = await manager.rollbackSecret(name, options.to, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    actor: cli.accessor,
  });
  if (cli.options.json) cli.printJson(info);
  else
    cli.note(`${cli.colors.green('✓')} ${name}: version ${options.to} restored as version ${info.version}`);
}
