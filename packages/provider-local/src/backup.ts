import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir } from './disk.js';

export function backupDir(storePath: string): string {
  return join(dirname(storePath), 'backups');
}

/**
 * Copies the current store bytes to `backups/<file>.<UTC timestamp>` (0600, fsynced) and prunes
 * to the newest `keep`. Timestamps sort lexically, so the oldest names come first.
 */
export async function backupStore(
  storePath: string,
  text: string,
  keep: number,
  mode = 0o600,
): Promise<string | undefined> {
  if (keep <= 0) return undefined;
  const dir = backupDir(storePath);
  await ensurePrivateDir(dir);
  const base = basename(storePath);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = '';
  for (let attempt = 0; ; attempt++) {
    target = join(dir, `${base}.${stamp}${attempt ? `-${attempt}` : ''}`);
    try {
      const handle = await fs.open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        if (mode !== 0o600) await handle.chmod(mode);
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
    }
  }
  await pruneBackups(storePath, keep);
  return target;
}

export async function listBackups(storePath: string): Promise<string[]> {
  const prefix = `${basename(storePath)}.`;
  try {
    const names = await fs.readdir(backupDir(storePath));
    return names
      .filter((n) => n.startsWith(prefix))
      .sort()
      .map((n) => join(backupDir(storePath), n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function pruneBackups(storePath: string, keep: number): Promise<void> {
  const all = await listBackups(storePath);
  await Promise.all(all.slice(0, Math.max(0, all.length - keep)).map((p) => fs.rm(p, { force: true })));
}
