import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { ConfigError, ValidationError } from '@hush/core';
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
}

/**
 * Grants kept in a JSON or YAML policy file (the format `exportPermissions` produces).
 * The file is re-read when it changes on disk, so an operator may edit it by hand while an
 * application runs; writes replace it atomically (temporary file, then rename).
 */
export class FilePermissionStore implements PermissionStore {
  readonly path: string;
  readonly format: 'json' | 'yaml';
  #grants: PermissionGrant[] = [];
  #stamp = '';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FilePermissionStoreOptions = {}) {
    this.path = path;
    this.format = options.format ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'yaml');
  }

  async list(filter?: PermissionFilter): Promise<PermissionGrant[]> {
    await this.#refresh();
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

  /** Mutations run one at a time, each on the file's latest content. `null` means no change. */
  #mutate(change: (grants: PermissionGrant[]) => PermissionGrant[] | null): Promise<void> {
    const run = this.#queue.then(async () => {
      await this.#refresh();
      const next = change(this.#grants);
      if (next === null) return;
      await this.#write(next);
      this.#grants = next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refresh(): Promise<void> {
    let stamp: string;
    try {
      const info = await stat(this.path);
      stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#grants = [];
        this.#stamp = '';
        return;
      }
      throw new ConfigError('cannot read the permission policy file', { file: this.path, cause: error });
    }
    if (stamp === this.#stamp) return;
    const text = await readFile(this.path, 'utf8');
    try {
      this.#grants = parsePolicy(text);
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ConfigError(error.message, { file: this.path, cause: error });
      throw error;
    }
    this.#stamp = stamp;
  }

  async #write(grants: PermissionGrant[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, formatPolicy(policyFromGrants(grants), this.format), { mode: 0o600 });
      await rename(temporary, this.path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new ConfigError('cannot write the permission policy file', { file: this.path, cause: error });
    }
    const info = await stat(this.path);
    this.#stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
  }
}
