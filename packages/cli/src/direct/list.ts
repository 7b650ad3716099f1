import type { SecretInfo } from '@hush/core';
import type { ListingColumns } from '@hush/provider-local';
import { colorsAllowed, colorsFor } from '../colors.js';
import { writeListColumns, writeListTable } from '../list-table.js';
import { stdoutIsTerminal, watchStandardStreams, writeStdout } from '../stdio.js';
import { directProviders } from './chain.js';
import type { DirectSettings } from './settings.js';

/**
 * `hush list` answered from the environment's providers, each asked for its list as the manager
 * asks it, merged as the manager merges them (`mergeListings`), and printed as the full command
 * prints them. A provider that cannot list, or fails, and an empty listing (a note on stderr) are
 * `false`: the full command answers, with its failover and its messages.
 */
export async function directList(settings: DirectSettings): Promise<boolean> {
  const chain = await directProviders(settings);
  if (!chain) return false;
  let listing: SecretInfo[] | { provider: string; columns: ListingColumns };
  try {
    await chain.start();
    listing = (await chain.listColumns()) ?? (await chain.list());
  } finally {
    await chain.dispose();
  }
  const empty = Array.isArray(listing) ? listing.length === 0 : listing.columns.keys.length === 0;
  if (empty) return false;
  watchStandardStreams();
  const out = {
    colors: colorsFor(colorsAllowed(process.env) && stdoutIsTerminal()),
    write: writeStdout,
    print: (text = '') => writeStdout(`${text}\n`),
  };
  if (Array.isArray(listing)) writeListTable(out, listing);
  else writeListColumns(out, listing.provider, listing.columns);
  return true;
}
