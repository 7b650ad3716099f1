// The direct path (dist/direct.cjs): the commands run most often, answered without the full
// command line around them (commander, the manager, the command table) when the project allows
// it. bin/hush.cjs sends here only command lines of a shape this file knows; whatever it cannot
// answer goes on to the full command (dist/hush.cjs), before anything was written.
import { join } from 'node:path';
import type * as CodeCache from '../code-cache.js';
import { exitAfterOutput } from '../stdio.js';
import { directGet } from './get.js';
import { directList } from './list.js';
import { directSettings } from './settings.js';

/** The exit code of a command answered here, or undefined for the full command to answer. */
async function direct(argv: string[]): Promise<number | undefined> {
  const settings = await directSettings(process.env);
  if (!settings) return undefined;
  // Loaded for `run` only: it brings child_process (and with it net and dgram), which costs a
  // `get` or a `list` more than their own work.
  if (argv[2] === 'run' && argv[3] === '--' && argv.length > 4)
    return (await import('./run.js')).directRun(argv.slice(4), settings);
  const answered =
    argv[2] === 'get' && argv.length === 4
      ? await directGet(argv[3]!, settings)
      : argv[2] === 'list' && argv.length === 3 && (await directList(settings));
  return answered ? 0 : undefined;
}

/** The full command, through the loader that ran this file (dist/code-cache.cjs, already loaded). */
const full = (): void => {
  const loader = require(join(__dirname, 'code-cache.cjs')) as typeof CodeCache;
  loader.launch(join(__dirname, 'hush.cjs'));
};

// Any failure here is the full command's to report, with its own messages and exit codes.
direct(process.argv).then((code) => (code === undefined ? full() : exitAfterOutput(code)), full);
