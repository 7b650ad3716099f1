import type { Cli } from '../context.js';
import { formatTable, isoOrEmpty } from '../util.js';

export default async function permissions(
  cli: Cli,
  [name]: [string | undefined],
  options: { accessor?: string; includeExpired?: boolean },
): Promise<void> {
  const control = await cli.accessControl();
  const grants = await control.listPermissions(name, {
    ...(options.accessor ? { accessor: options.accessor } : {}),
    ...(options.includeExpired ? { includeExpired: true } : {}),
    // Everyone's grants name secrets: a caller sees its own, those on what it may read, and those
    // its `audit` (or admin) grants cover.
    visibleTo: cli.accessor,
  });
  if (cli.options.json) {
    cli.printJson(grants);
    return;
  }
  if (grants.length === 0) {
    cli.note('no grants');
    return;
  }
  const rows = grants.map((g) => [
    g.secret,
    g.accessor,
    g.permission,
    g.scope,
    isoOrEmpty(g.expiresAt),
    g.grantedBy ?? '',
  ]);
  cli.print(formatTable(cli, ['SECRET', 'ACCESSOR', 'PERMISSION', 'SCOPE', 'EXPIRES', 'GRANTED BY'], rows));
}
