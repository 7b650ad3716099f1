// The store's files on disk: permission checks as ssh makes them, snapshots that pair a file's
// bytes with its identity, and atomic replacement (temporary file, fsync, rename, fsync of the folder).
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, FileAccessError } from '@hush/core';
import { callbackReads, type FileReads, type WholeFile } from './read-files.js';

/** An EACCES or EPERM from the file system as a typed, definitive error; anything else unchanged. */
export function accessError(error: unknown, path: string, what: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM' ? new FileAccessError(path, what, { cause: error }) : error;
}

/** ssh-style check: a secret-bearing file must not be readable or writable by group or others. */
export function assertPrivate(path: string, mode: number, what: string, allowInsecure: boolean): void {
  if (allowInsecure || process.platform === 'win32') return;
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(
      `${what} ${path} is accessible by group or others (mode ${octal}); refusing to use it`,
      {
        hint: `fix it with: chmod 600 ${path}   (or set allowInsecurePermissions: true to override)`,
      },
    );
  }
}

/**
 * The `.hush` folder that holds a store must not be writable by group or others (mode 0777 would
 * let anyone replace the store, its key or its state): refused as a loose store file is.
 */
export async function assertPrivateFolder(
  storePath: string,
  allowInsecure: boolean,
  reads: FileReads = callbackReads,
): Promise<void> {
  const dir = dirname(storePath);
  if (allowInsecure || process.platform === 'win32' || basename(dir) !== '.hush') return;
  let mode: number;
  try {
    mode = (await reads.stat(dir)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw accessError(error, dir, 'store folder');
  }
  if ((mode & 0o022) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(
      `folder ${dir} is writable by group or others (mode ${octal}); refusing to use the store in it`,
      { hint: `fix it with: chmod 700 ${dir}   (or set allowInsecurePermissions: true to override)` },
    );
  }
}

export interface FileSnapshot {
  /** The bytes as read; `text` decodes them (once) when asked. */
  bytes: Buffer;
  readonly text: string;
  /** Identifies this exact file: a rename or rewrite changes it. */
  stamp: string;
  mode: number;
}

/** Reads through one descriptor so that the stamp and the text describe the same file. Null if absent. */
export async function readSnapshot(
  path: string,
  reads: FileReads = callbackReads,
): Promise<FileSnapshot | null> {
  let file: WholeFile;
  try {
    file = await reads.whole(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw accessError(error, path, 'store');
  }
  const { bytes, stats } = file;
  let text: string | undefined;
  return {
    bytes,
    // Decoded only by a reader that parses the whole file: one entry is found in the bytes.
    get text() {
      text ??= bytes.toString('utf8');
      return text;
    },
    stamp: stampOf(stats),
    mode: stats.mode,
  };
}

/** Identifies one version of a file, `dev:ino:size:mtimeMs:ctimeMs`: a rename or a write changes it. */
export function stampOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

export async function statStamp(path: string, reads: FileReads = callbackReads): Promise<string | null> {
  try {
    return stampOf(await reads.stat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw accessError(error, path, 'store');
  }
}

/**
 * The file a write replaces: the store itself, or the file its symbolic link points to (followed
 * to the end), so that the lock and the rename happen in the target's folder and the link stays a
 * link. A link whose target does not exist is refused: the write would otherwise create a
 * separate store in place of the link.
 */
export async function writeTarget(path: string): Promise<string> {
  let info: Stats;
  try {
    info = await fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw accessError(error, path, 'store');
  }
  if (!info.isSymbolicLink()) return path;
  try {
    return await fs.realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(`store ${path} is a symbolic link to a file that does not exist`, {
        hint: 'point the link at an existing store, or remove the link so that hush creates the store in its place',
      });
    throw accessError(error, path, 'store');
  }
}

/** Creates the folder 0700 when missing. Returns true when it had to be created. */
export async function ensurePrivateDir(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      return true;
    }
    throw error;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or sync a directory; the rename is still atomic there.
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? ''))
      throw error;
  } finally {
    await handle?.close();
  }
}

const tempPrefix = (path: string) => `.${basename(path)}.`;

/**
 * Atomic replacement: write a temp file in the same folder (0600), fsync it, rename it over
 * the target, fsync the folder. A crash at any instant leaves the old file or the new one.
 * `beforeRename` runs last, so a caller can abort (e.g. when its lock was compromised).
 */
export async function writeFileAtomic(
  path: string,
  text: string | Buffer,
  beforeRename?: () => void,
  mode = 0o600,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs
    .open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    .catch((error: unknown) => {
      throw accessError(error, dir, 'store folder');
    });
  try {
    // Created 0600 whatever the umask; a stricter fileMode (0400) is applied before the rename.
    if (mode !== 0o600) await handle.chmod(mode);
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    beforeRename?.();
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files left by writers that crashed: those whose process (named in the file name) is gone. */
export async function removeLeftoverTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
      .filter((n) => {
        const pid = Number(n.slice(prefix.length).split('.')[0]);
        return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid);
      })
      .map((n) => fs.rm(join(dir, n), { force: true })),
  );
}
