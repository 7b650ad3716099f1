import { createHash, randomBytes } from 'node:crypto';
// fs.promises is reached at each call, not imported: loading it loads Node's readline and file
// watchers, which a bundled command that never uses this tier would pay for at start-up.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { CacheTier, CacheTierEntry, CacheTierListing } from './cache-tier.js';

const FORMAT = 'hush-cache-1';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A file that is not a valid entry file: ignored, never served. */
export interface CorruptCacheFile {
  file: string;
  /** The secret it was read for, when a read found it. */
  name?: string;
  reason: string;
}

export interface FileCacheTierOptions {
  /** The folder (`.hush/cache`): one subfolder per environment, one file per secret. */
  path: string;
  environment: string;
  now?: () => number;
  /** Told about each file that is truncated, edited or belongs elsewhere; the file is then ignored. */
  onCorrupt?: (problem: CorruptCacheFile) => void;
}

/** One secret's file: its name and environment in clear (they are not secret), entries sealed. */
interface EntryFile {
  format: typeof FORMAT;
  environment: string;
  name: string;
  entries: Record<string, StoredEntry>;
}

interface StoredEntry {
  version: string;
  fetchedAt: number;
  freshUntil: number;
  /** Base64 of the manager's AES-256-GCM sealed bytes. */
  sealed: string;
}

/**
 * A cache tier in files, for offline use: under `<path>/<environment>/`, one 0600 file per
 * secret (named by a hash of its name) holding that secret's entries as the manager sealed
 * them. Writes go to a file aside and are renamed into place, so that a reader sees a whole
 * file or none; a file cut short by a crash, edited, or copied from another secret is reported
 * (`onCorrupt`) and ignored.
 */
export class FileCacheTier implements CacheTier {
  readonly name = 'persistent';
  readonly #dir: string;
  readonly #environment: string;
  readonly #now: () => number;
  readonly #onCorrupt: (problem: CorruptCacheFile) => void;

  constructor(options: FileCacheTierOptions) {
    this.#environment = options.environment;
    this.#dir = join(options.path, environmentFolder(options.environment));
    this.#now = options.now ?? Date.now;
    this.#onCorrupt = options.onCorrupt ?? (() => undefined);
  }

  /** The folder of this environment's files. */
  get folder(): string {
    return this.#dir;
  }

  async get(name: string, key: string): Promise<CacheTierEntry | undefined> {
    const file = await this.#read(this.#file(name), name);
    const stored = file?.entries[key];
    if (!stored || stored.freshUntil <= this.#now()) return undefined;
    return toEntry(stored);
  }

  async set(name: string, key: string, entry: CacheTierEntry): Promise<void> {
    const path = this.#file(name);
    const now = this.#now();
    const existing = await this.#read(path, name);
    const entries: Record<string, StoredEntry> = {};
    // Entries past their age go whenever the file is written again.
    for (const [k, e] of Object.entries(existing?.entries ?? {})) if (e.freshUntil > now) entries[k] = e;
    entries[key] = {
      version: entry.version,
      fetchedAt: entry.fetchedAt ?? now,
      freshUntil: entry.freshUntil,
      sealed: Buffer.from(entry.sealed).toString('base64'),
    };
    const file: EntryFile = { format: FORMAT, environment: this.#environment, name, entries };
    await fs.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(aside, JSON.stringify(file), { mode: 0o600 });
      await fs.rename(aside, path);
    } catch (error) {
      await fs.rm(aside, { force: true });
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await fs.rm(this.#file(name), { force: true });
  }

  async entries(): Promise<CacheTierListing[]> {
    const listings: CacheTierListing[] = [];
    for (const path of await this.#files()) {
      const file = await this.#read(path);
      if (!file) continue;
      for (const [key, stored] of Object.entries(file.entries))
        listings.push({ name: file.name, key, entry: toEntry(stored) });
    }
    return listings;
  }

  async clear(name?: string): Promise<number> {
    const paths = name === undefined ? await this.#files() : [this.#file(name)];
    let removed = 0;
    for (const path of paths) {
      // Unreadable files go too: clearing is how a user gets rid of them.
      const file = await this.#read(path, name, false);
      removed += file ? Object.keys(file.entries).length : 0;
      await fs.rm(path, { force: true });
    }
    return removed;
  }

  #file(name: string): string {
    return join(this.#dir, `${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`);
  }

  async #files(): Promise<string[]> {
    try {
      return (await fs.readdir(this.#dir)).filter((f) => f.endsWith('.json')).map((f) => join(this.#dir, f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** A file's contents when it is a valid entry file (of `name`, when given); undefined otherwise. */
  async #read(path: string, name?: string, report = true): Promise<EntryFile | undefined> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const reason = problemOf(text, this.#environment, name);
    if (typeof reason === 'string') {
      if (report) this.#onCorrupt({ file: path, ...(name !== undefined ? { name } : {}), reason });
      return undefined;
    }
    return reason;
  }
}

/** The parsed file, or why it is not a valid entry file. */
function problemOf(text: string, environment: string, name: string | undefined): EntryFile | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not a whole entry file (truncated or edited)';
  }
  const file = parsed as Partial<EntryFile> | null;
  if (file === null || typeof file !== 'object' || file.format !== FORMAT) return 'not an entry file';
  if (file.environment !== environment) return 'an entry file of another environment';
  if (typeof file.name !== 'string' || (name !== undefined && file.name !== name))
    return 'an entry file of another secret';
  if (file.entries === null || typeof file.entries !== 'object') return 'an entry file without entries';
  for (const stored of Object.values(file.entries))
    if (!isStoredEntry(stored)) return 'an entry file with a malformed entry';
  return file as EntryFile;
}

function isStoredEntry(value: unknown): value is StoredEntry {
  const e = value as StoredEntry | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof e.version === 'string' &&
    Number.isFinite(e.fetchedAt) &&
    Number.isFinite(e.freshUntil) &&
    typeof e.sealed === 'string' &&
    BASE64.test(e.sealed)
  );
}

function toEntry(stored: StoredEntry): CacheTierEntry {
  return {
    sealed: Buffer.from(stored.sealed, 'base64'),
    version: stored.version,
    freshUntil: stored.freshUntil,
    fetchedAt: stored.fetchedAt,
  };
}

/** An environment's folder name: the name itself when it is a plain word, else a hash of it. */
function environmentFolder(environment: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(environment)
    ? environment
    : `env-${createHash('sha256').update(environment).digest('hex').slice(0, 16)}`;
}
