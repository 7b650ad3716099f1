import { dirname } from 'node:path';
import { ensurePrivateDir, removeLeftoverTemps, writeFileAtomic } from './disk.js';
import { callbackReads, type FileReads } from './read-files.js';

export interface StateFile {
  format: 'hush.state/v1';
  /** Highest store generation seen on this machine, per store id. */
  stores: Record<string, { generation: number }>;
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

  /** Records a generation if higher. Best effort on disk: a read-only folder must not break reads. */
  async record(storeId: string, generation: number): Promise<void> {
    if ((this.#seen.get(storeId) ?? 0) < generation) this.#seen.set(storeId, generation);
    if (this.#path === false) return;
    try {
      const state = await this.#read();
      if ((state.stores[storeId]?.generation ?? 0) >= generation) return;
      state.stores[storeId] = { generation };
      await ensurePrivateDir(dirname(this.#path));
      await removeLeftoverTemps(this.#path);
      await writeFileAtomic(this.#path, `${JSON.stringify(state, null, 2)}\n`);
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
