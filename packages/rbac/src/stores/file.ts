import { randomBytes } from 'node:crypto';
import { constants, promises as fs, readFileSync, type Stats, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError, FileAccessError, ProviderUnavailableError, ValidationError } from '@hush/core';
import lockfile from 'proper-lockfile';
import { formatPolicy, parsePolicy, policyFromGrants } from '../policy.js';
import {
  cloneGrant,
  grantKey,
  matchesFilter,
  matchesRemoval,
  type PermissionFilter,
  type PermissionGrant,
  type PermissionMatch,
  type PermissionStore,
} from '../types.js';

export interface FilePermissionStoreOptions {
  /** Defaults to the file extension: `.json` is JSON, anything else YAML. */
  format?: 'json' | 'yaml';
  /**
   * Accept a policy file that group or others can access (default false: refused, as a store
   * readable by others is; anyone who can write the file can grant themselves anything).
   */
  allowInsecurePermissions?: boolean;
  /** How long a change waits for another process's lock on the file (default 10 s). */
  lockTimeoutMs?: number;
}

/**
 * Grants kept in a JSON or YAML policy file (the format `exportPermissions` produces).
 * The file is re-read when it changes on disk, so an operator may edit it by hand while an
 * application runs. Every change is a read-modify-write under a cross-process lock
 * (`<file>.lock`), on the file as it is on disk then, written atomically (temporary file 0600,
 * fsync, rename, fsync of the folder): concurrent grants from several processes all stay, and a
 * revoked grant never comes back.
 */
export class FilePermissionStore implements PermissionStore {
  readonly path: string;
  readonly format: 'json' | 'yaml';
  readonly #insecureOk: boolean;
  readonly #lockTimeoutMs: number;
  #grants: PermissionGrant[] = [];
  #stamp = '';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FilePermissionStoreOptions = {}) {
    this.path = path;
    this.format = options.format ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'yaml');
    this.#insecureOk = options.allowInsecurePermissions === true;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  async list(filter?: PermissionFilter): Promise<PermissionGrant[]> {
    await this.#refresh();
    return this.#grants.filter((grant) => matchesFilter(grant, filter)).map(cloneGrant);
  }

  /**
   * The same listing, read from the file at once (no lock: writes replace the file by a rename,
   * so a read sees the old or the new file whole).
   */
  listSync(filter?: PermissionFilter): PermissionGrant[] {
    let info: Stats | undefined;
    try {
      info = statSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw this.#failure(error, 'cannot read the permission policy file');
    }
    if (info === undefined) this.#forget();
    else {
      this.#checkMode(info.mode);
      if (stampOf(info) !== this.#stamp) {
        let text: string;
        try {
          text = readFileSync(this.path, 'utf8');
        } catch (error) {
          throw this.#failure(error, 'cannot read the permission policy file');
        }
        this.#load(text, info);
      }
    }
    return this.#grants.filter((grant) => matchesFilter(grant, filter)).map(cloneGrant);
  }

  put(grant: PermissionGrant): Promise<void> {
    return this.#mutate((grants) => {
      const key = grantKey(grant);
      return [...grants.filter((g) => grantKey(g) !== key), cloneGrant(grant)];
    }).then(() => undefined);
  }

  async remove(match: PermissionMatch): Promise<number> {
    let removed = 0;
    await this.#mutate((grants) => {
      const kept = grants.filter((g) => !matchesRemoval(g, match));
      removed = grants.length - kept.length;
      return removed === 0 ? null : kept;
    });
    return removed;
  }

  replaceAll(grants: PermissionGrant[]): Promise<void> {
    return this.#mutate(() => grants.map(cloneGrant)).then(() => undefined);
  }

  /** Mutations run one at a time, each under the file lock on the file's latest content. `null`: no change. */
  #mutate(change: (grants: PermissionGrant[]) => PermissionGrant[] | null): Promise<void> {
    const run = this.#queue.then(() =>
      this.#locked(async () => {
        await this.#refresh(true);
        const next = change(this.#grants);
        if (next === null) return;
        await this.#write(next);
        this.#grants = next;
      }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #locked<T>(work: () => Promise<T>): Promise<T> {
    const dir = dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw this.#failure(error, 'cannot create the folder of the permission policy file');
    });
    const deadline = Date.now() + this.#lockTimeoutMs;
    let release: () => Promise<void>;
    for (let pause = 5; ; pause = Math.min(100, pause * 1.5)) {
      try {
        release = await lockfile.lock(this.path, { realpath: false, stale: 10_000, retries: 0 });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
          throw this.#failure(error, 'cannot lock the permission policy file');
        if (Date.now() >= deadline)
          throw new ProviderUnavailableError(
            `permission policy file ${this.path} stayed locked by another process for ${this.#lockTimeoutMs} ms`,
            [],
            { hint: `if no hush process is running, remove ${this.path}.lock` },
          );
        await new Promise((r) => setTimeout(r, pause * (1 + Math.random())));
      }
    }
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }

  async #refresh(force = false): Promise<void> {
    let info: Stats;
    try {
      info = await fs.stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#forget();
        return;
      }
      throw this.#failure(error, 'cannot read the permission policy file');
    }
    this.#checkMode(info.mode);
    if (!force && stampOf(info) === this.#stamp) return;
    const text = await fs.readFile(this.path, 'utf8').catch((error: unknown) => {
      throw this.#failure(error, 'cannot read the permission policy file');
    });
    this.#load(text, info);
  }

  #forget(): void {
    this.#grants = [];
    this.#stamp = '';
  }

  #load(text: string, info: Stats): void {
    try {
      this.#grants = parsePolicy(text);
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ConfigError(error.message, { file: this.path, cause: error });
      throw error;
    }
    this.#stamp = stampOf(info);
  }

  /** As ssh refuses a loose key: a policy file anyone else may write would let them grant themselves anything. */
  #checkMode(mode: number): void {
    if (this.#insecureOk || process.platform === 'win32' || (mode & 0o077) === 0) return;
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(
      `permission policy file ${this.path} is accessible by group or others (mode ${octal}); refusing to use it`,
      { hint: `fix it with: chmod 600 ${this.path}` },
    );
  }

  /** Temporary file (0600) in the same folder, fsync, rename over the file, fsync of the folder. */
  async #write(grants: PermissionGrant[]): Promise<void> {
    const dir = dirname(this.path);
    const temporary = join(dir, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await fs.open(
        temporary,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o600,
      );
      try {
        await handle.writeFile(formatPolicy(policyFromGrants(grants), this.format), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, this.path);
      await syncFolder(dir);
    } catch (error) {
      await fs.unlink(temporary).catch(() => undefined);
      throw this.#failure(error, 'cannot write the permission policy file');
    }
    this.#stamp = stampOf(await fs.stat(this.path));
  }

  #failure(error: unknown, message: string): Error {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'EACCES' || code === 'EPERM')
      return new FileAccessError(this.path, 'permission policy file', { cause: error });
    return new ConfigError(message, { file: this.path, cause: error });
  }
}

/** What tells one content of the file from the next: a rename gives a new inode. */
function stampOf(info: Stats): string {
  return `${info.mtimeMs}:${info.size}:${info.ino}`;
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some platforms cannot sync a folder; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
