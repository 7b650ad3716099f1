import { relative } from 'node:path';
import type { Cli } from '../context.js';
import { findLocalStore, requireStoreAdmin } from '../local.js';
import { confirmOrRefuse } from '../util.js';

/** The explicit step after a git merge changed the store: every version must still decrypt; the file is signed again. */
export default async function reseal(
  cli: Cli,
  _args: unknown[],
  options: { provider?: string; yes?: boolean },
): Promise<void> {
  const { store } = await findLocalStore(cli, options.provider);
  await requireStoreAdmin(cli, 'reseal');
  const shown = relative(cli.cwd, store.path) || store.path;
  if (
    !(await confirmOrRefuse(
      `Accept ${shown} as it is now and sign it again? (do this only for a merge or restore you trust)`,
      options.yes,
    ))
  ) {
    cli.note('not resealed');
    return;
  }
  const result = await store.reseal();
  if (cli.options.json) cli.printJson(result);
  else
    cli.print(
      `${cli.colors.green('✓')} resealed ${shown}: ${result.secrets} secrets, ${result.versions} versions verified, generation ${result.generation}${result.backup ? `; backup ${relative(cli.cwd, result.backup)}` : ''}`,
    );
}
