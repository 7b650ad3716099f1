import type { SecretInfo } from '@hush/core';
import type { ListingColumns, ListingSpans } from '@hush/provider-local';
import { colorsAllowed, colorsFor } from '../colors.js';
import { listSpansTable, writeListColumns, writeListTable } from '../list-table.js';
import { stdoutIsTerminal, watchStandardStreams, writeStdout } from '../stdio.js';
import { type DirectProviders, directProviders } from './chain.js';
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
  let listing: Listing;
  try {
    listing = await readListing(chain);
  } finally {
    await chain.dispose();
  }
  if (sizeOf(listing) === 0) return false;
  watchStandardStreams();
  const out = {
    colors: colorsFor(colorsAllowed(process.env) && stdoutIsTerminal()),
    write: writeStdout,
    print: (text = '') => writeStdout(`${text}\n`),
  };
  if ('spans' in listing) writeStdout(listSpansTable(out.colors.bold, listing.provider, listing.spans));
  else if ('columns' in listing) writeListColumns(out, listing.provider, listing.columns);
  else writeListTable(out, listing.infos);
  return true;
}

/** A listing in the cheapest form the chain gives it: places in one store's text, its columns, or descriptions. */
type Listing =
  | { provider: string; spans: ListingSpans }
  | { provider: string; columns: ListingColumns }
  | { infos: SecretInfo[] };

async function readListing(chain: DirectProviders): Promise<Listing> {
  const spans = await chain.listSpans();
  if (spans) return spans;
  await chain.start();
  return (await chain.listColumns()) ?? { infos: await chain.list() };
}

function sizeOf(listing: Listing): number {
  if ('spans' in listing) return listing.spans.count;
  return 'columns' in listing ? listing.columns.keys.length : listing.infos.length;
}
