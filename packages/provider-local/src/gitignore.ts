import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';

/** What must never be committed from `.hush/`: the store itself is meant to be committed, the key never. */
const IGNORED = 'master.key\nmaster.key.*\nstate.json\nbackups/\n*.lock\n*.tmp\n';

/**
 * Gives a `.hush` folder a .gitignore when it has none. Called when a key file or a store is
 * created, whichever comes first (`hush init` writes the key before any store exists). An
 * existing .gitignore is left alone.
 */
export async function ensureHushGitignore(dir: string): Promise<void> {
  if (basename(dir) !== '.hush') return;
  await fs.writeFile(join(dir, '.gitignore'), IGNORED, { flag: 'wx', mode: 0o600 }).catch(() => undefined);
}
