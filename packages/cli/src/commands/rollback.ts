import type { Cli } from '../context.js';

export default async function rollback(
  cli: Cli,
  [name]: [string],
  options: { to: string; expires?: string; provider?: string; scope?: string },
): Promise<void> {
  if (options.expires !== undefined) (await import('@hush/core')).parseExpiry(options.expires);
  await cli.checkProvider(options.provider);
  const manager = await cli.manager();
  const info = await manager.rollbackSecret(name, options.to, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
    actor: cli.accessor,
  });
  if (cli.options.json) cli.printJson(info);
  else
    cli.note(`${cli.colors.green('✓')} ${name}: version ${options.to} restored as version ${info.version}`);
}
