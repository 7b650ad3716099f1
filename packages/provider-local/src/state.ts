import { dirname } from 'node:path';
import { ensurePrivateDir, removeLeftoverTemps, writeFileAtomic } from './disk.js';
import { readText } from './read-files.js';

interface StateFile {
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

  constructor(path: string | false) {
    this.#path = path;
  }

  async highest(storeId: string): Promise<number> {
    const inMemory = this.#seen.get(storeId) ?? 0;
    if (this.#path === false) return inMemory;
    const onDisk = (await this.#read()).stores[storeId]?.generation ?? 0;
    return Math.max(inMemory, onDisk);
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
      const parsed = JSON.parse(await readText(this.#path)) as StateFile;
      if (parsed && typeof parsed.stores === 'object' && parsed.stores !== null) return parsed;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    return { format: 'hush.state/v1', stores: {} };
  }
}
