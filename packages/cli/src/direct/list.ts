import type { SecretInfo } from '@hush/core';
import type { ListingWalk } from '@hush/provider-local';
import { colorsAllowed, colorsFor } from '../colors.js';
import { walkedListTable, writeListTable } from '../list-table.js';
import { stdoutIsTerminal, watchStandardStreams, writeStdout } from '../stdio.js';
import type { TableOutput } from '../table.js';
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
  let listing: SecretInfo[] | { provider: string; walk: ListingWalk };
  try {
    await chain.start();
    listing = (await chain.listWalk()) ?? (await chain.list());
  } finally {
    await chain.dispose();
  }
  const write = Array.isArray(listing)
    ? listing.length > 0 && ((out: TableOutput) => writeListTable(out, listing as SecretInfo[]))
    : walkedListTable(listing.provider, listing.walk, Date.now());
  if (!write) return false;
  watchStandardStreams();
  write({
    colors: colorsFor(colorsAllowed(process.env) && stdoutIsTerminal()),
    write: writeStdout,
    print: (text = '') => writeStdout(`${text}\n`),
  });
  return true;
}
