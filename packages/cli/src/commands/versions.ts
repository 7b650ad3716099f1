import type { Cli } from '../context.js';
import { formatTable, isoOrEmpty } from '../util.js';

export default async function versions(
  cli: Cli,
  [name]: [string],
  options: { provider?: string; scope?: string },
): Promise<void> {
  await cli.checkProvider(options.provider);
  const manager = await cli.manager();
  const list = await manager.getSecretVersions(name, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    accessor: cli.accessor,
  });
  if (cli.options.json) {
    cli.printJson(list);
    return;
  }
  const rows = list.map((v) => [
    v.version,
    isoOrEmpty(v.createdAt),
    isoOrEmpty(v.expiresAt),
    v.state,
    v.current ? cli.colors.green('current') : '',
  ]);
  cli.print(formatTable(cli, ['VERSION', 'CREATED', 'EXPIRES', 'STATE', ''], rows));
}
