import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.js';

/** The folder names hush gives the secrets folders it creates itself. */
const PREFIX = 'hush-secrets-';
/** Written first in every secrets folder: whose it is, so that a leftover can be told and removed. */
const OWNER = '.hush-owner';

/** Where a secrets folder goes: memory-backed /dev/shm when there is one, else the temp folder. */
export function mountParent(): string {
  return existsSync('/dev/shm') && statSync('/dev/shm').isDirectory()
    ? '/dev/shm'
    : process.getBuiltinModule('node:os').tmpdir();
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The pid that owns a secrets folder, or undefined when it is not one hush made. */
function ownerOf(dir: string): number | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER), 'utf8')) as { pid?: unknown };
    return typeof owner.pid === 'number' ? owner.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a secrets folder whose hush is gone (killed before it could clean up). True if removed. */
function removeIfLeftover(dir: string): boolean {
  const pid = ownerOf(dir);
  if (pid === undefined || alive(pid)) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && statSync(dir).uid !== uid) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Secrets folders left by a hush that was killed (in /dev/shm and the temp folder): removed. */
export function removeLeftovers(): number {
  let removed = 0;
  for (const parent of new Set([mountParent(), process.getBuiltinModule('node:os').tmpdir()])) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names)
      if (name.startsWith(PREFIX))
        try {
          if (removeIfLeftover(join(parent, name))) removed++;
        } catch {
          // Another user's folder, or one removed meanwhile: not ours to clean.
        }
  }
  return removed;
}

/**
 * One file per variable in a private folder: the folder 0700, each file 0400, named by its
 * variable (letters, digits and `_`: always a safe file name). Rewritten in place (each file
 * replaced atomically) when the values change; removed, with the folder, by `remove`.
 */
export class SecretsFolder {
  private constructor(
    readonly path: string,
    private names: Set<string>,
  ) {}

  /** A new folder: `dir` when given (it must not exist, or be a leftover of a killed hush), else a fresh one. */
  static async create(dir: string | undefined, cwd: string): Promise<SecretsFolder> {
    let path: string;
    if (dir) {
      path = resolve(cwd, dir);
      if (existsSync(path) && !removeIfLeftover(path))
        throw new CliError(
          `${dir} exists: --mount creates the folder itself (and removes it afterwards)`,
          1,
          'name a folder that does not exist, or omit it for a private one under /dev/shm',
        );
      await fs.mkdir(path, { mode: 0o700 });
    } else path = await fs.mkdtemp(join(mountParent(), `${PREFIX}${process.pid}-`));
    await fs.chmod(path, 0o700);
    await fs.writeFile(join(path, OWNER), `${JSON.stringify({ pid: process.pid })}\n`, { mode: 0o400 });
    return new SecretsFolder(path, new Set());
  }

  /** Writes every variable as a file (replacing each atomically) and removes those gone. */
  async write(variables: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(variables)) {
      const temp = join(this.path, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      await fs.writeFile(temp, value, { mode: 0o400, flag: 'wx' });
      await fs.rename(temp, join(this.path, name));
    }
    for (const name of this.names)
      if (!(name in variables)) await fs.rm(join(this.path, name), { force: true });
    this.names = new Set(Object.keys(variables));
  }

  /** Removes the folder and everything in it (synchronous: it also runs as hush exits). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
