import { dirname } from 'node:path';
import { ensurePrivateDir, removeLeftoverTemps, writeFileAtomic } from './disk.js';
import { callbackReads, type FileReads } from './read-files.js';
import type { VerifiedStamp } from './verified-stamp.js';

export interface StateFile {
  format: 'hush.state/v1';
  /** Highest store generation seen on this machine, per store id. */
  stores: Record<string, { generation: number; verified?: VerifiedStamp }>;
}

/**
 * Remembers, outside the store, the highest generation seen for each store id. A MAC cannot
 * tell an older, genuine file from the current one; this memory can, for the machines that saw
 * the newer one. The file lives beside the key (git-ignored), never in the repository.
 */
export class GenerationMemory {
  readonly #path: string | false;
  readonly #seen = new Map<string, number>();
  readonly #reads: FileReads;

  constructor(path: string | false, reads: FileReads = callbackReads) {
    this.#path = path;
    this.#reads = reads;
  }

  async highest(storeId: string): Promise<number> {
    const inMemory = this.#seen.get(storeId) ?? 0;
    if (this.#path === false) return inMemory;
    const onDisk = (await this.#read()).stores[storeId]?.generation ?? 0;
    return Math.max(inMemory, onDisk);
  }

  /**
   * Starts reading the state file now, for an `admit` to come: a fresh reader reads it while it
   * reads the store. Its failure surfaces in `admit`, not here.
   */
  readAhead(): Promise<StateFile> {
    const ahead = this.#read();
    ahead.catch(() => {});
    return ahead;
  }

  /**
   * Checks a generation read from a store against the highest seen for its store id, and records
   * it unless it is lower. Returns the highest seen before: a caller refuses a generation below
   * it. The state file is read once (or taken from `ahead`); it is read again, and written, only
   * when the generation is new to it.
   */
  async admit(storeId: string, generation: number, ahead?: Promise<StateFile>): Promise<number> {
    const inMemory = this.#seen.get(storeId) ?? 0;
    const onDisk =
      this.#path === false ? 0 : ((await (ahead ?? this.#read())).stores[storeId]?.generation ?? 0);
    const highest = Math.max(inMemory, onDisk);
    if (generation < highest) return highest;
    if (inMemory < generation) this.#seen.set(storeId, generation);
    if (onDisk < generation) await this.record(storeId, generation);
    return highest;
  }

  /** The note of a verified read kept for a store id at this generation (see `verified-stamp.ts`). */
  async verifiedStamp(
    storeId: string,
    generation: number,
    ahead?: Promise<StateFile>,
  ): Promise<VerifiedStamp | undefined> {
    if (this.#path === false) return undefined;
    const entry = (await (ahead ?? this.#read())).stores[storeId];
    return entry?.generation === generation ? entry.verified : undefined;
  }

  /**
   * Keeps the note of a verified read, when the state file still has this generation for the
   * store id: a writer that recorded a newer one meanwhile is never set back. Best effort.
   */
  async recordStamp(storeId: string, generation: number, stamp: VerifiedStamp): Promise<void> {
    if (this.#path === false) return;
    await this.#write(async () => {
      const state = await this.#read();
      if (state.stores[storeId]?.generation !== generation) return undefined;
      state.stores[storeId] = { generation, verified: stamp };
      return state;
    });
  }

  /** Records a generation if higher. Best effort on disk: a read-only folder must not break reads. */
  async record(storeId: string, generation: number): Promise<void> {
    if ((this.#seen.get(storeId) ?? 0) < generation) this.#seen.set(storeId, generation);
    if (this.#path === false) return;
    await this.#write(async () => {
      const state = await this.#read();
      if ((state.stores[storeId]?.generation ?? 0) >= generation) return undefined;
      state.stores[storeId] = { generation };
      return state;
    });
  }

  /** Writes the state `change` returns (none: no write). A read-only folder must not break reads. */
  async #write(change: () => Promise<StateFile | undefined>): Promise<void> {
    const path = this.#path as string;
    try {
      const state = await change();
      if (!state) return;
      await ensurePrivateDir(dirname(path));
      await removeLeftoverTemps(path);
      await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      if (!['EACCES', 'EROFS', 'EPERM', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? ''))
        throw error;
    }
  }

  async #read(): Promise<StateFile> {
    if (this.#path === false) return { format: 'hush.state/v1', stores: {} };
    try {
      const parsed = JSON.parse((await this.#reads.whole(this.#path)).bytes.toString('utf8')) as StateFile;
      if (parsed && typeof parsed.stores === 'object' && parsed.stores !== null) return parsed;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    return { format: 'hush.state/v1', stores: {} };
  }
}
