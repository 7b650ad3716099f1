import type { SecretInfo } from '@hush/core';
import { colorsAllowed, colorsFor } from '../colors.js';
import { writeListTable } from '../list-table.js';
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
  let secrets: SecretInfo[];
  try {
    await chain.start();
    secrets = await chain.list();
  } finally {
    await chain.dispose();
  }
  if (secrets.length === 0) return false;
  watchStandardStreams();
  writeListTable(
    {
      colors: colorsFor(colorsAllowed(process.env) && stdoutIsTerminal()),
      write: writeStdout,
      print: (text = '') => writeStdout(`${text}\n`),
    },
    secrets,
  );
  return true;
}
