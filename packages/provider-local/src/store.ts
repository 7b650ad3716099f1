import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError, validateSecretName } from '@hush/core';
import { backupStore } from './backup.js';
import {
  type DerivedKeys,
  deriveKeys,
  FORMAT,
  type KeySource,
  keyCheckValue,
  newKdfParams,
  randomId,
} from './crypto.js';
import {
  assertPrivate,
  ensurePrivateDir,
  readSnapshot,
  removeLeftoverTemps,
  statStamp,
  writeFileAtomic,
  writeTarget,
} from './disk.js';
import { ensureHushGitignore } from './gitignore.js';
import { withStoreLock } from './lock.js';
import type { ResealResult } from './options.js';
import { checkEntry, parseStore, type StoreDocument } from './store-file.js';
import { serializeSigned } from './store-lines.js';
import { ATTEMPTS, type Loaded, StoreReader } from './store-reader.js';

/** What a queued write sees: the freshly read store and the keys that open it. */
export interface Transaction {
  doc: StoreDocument;
  keys: DerivedKeys;
  source: KeySource;
  now: Date;
  changed: boolean;
  /** A destructive change: the previous file is backed up before it is replaced. */
  destructive: boolean;
}

interface QueuedWrite {
  apply: (tx: Transaction) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The store file as the provider uses it: read as `StoreReader` reads it, and changed only
 * through queued, locked, atomic read-modify-writes.
 */
export class StoreAccess extends StoreReader {
  #queue: QueuedWrite[] = [];
  #draining = false;

  /**
   * Queues a change. Changes queued while a write is in flight are applied together in the
   * next locked read-modify-write, so concurrent callers in one process share one file write.
   * Each change resolves only after the file holding it is renamed into place and fsynced.
   */
  enqueue<T>(apply: (tx: Transaction) => T): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      this.#queue.push({ apply, resolve: resolvePromise as (v: unknown) => void, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          const outcomes = await this.#transactionRetrying(batch);
          batch.forEach((item, i) => {
            const outcome = outcomes[i]!;
            if (outcome.ok) item.resolve(outcome.value);
            else item.reject(outcome.error);
          });
        } catch (error) {
          this.cache = undefined;
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** A write that meets a rekey in progress releases the store lock, waits for the rekey, and runs again. */
  async #transactionRetrying(batch: QueuedWrite[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transaction(batch);
      } catch (error) {
        if (attempt >= ATTEMPTS || !(await this.canRetry(error))) throw error;
      }
    }
  }

  async #transaction(batch: QueuedWrite[]): Promise<Outcome[]> {
    const createdDir = await ensurePrivateDir(dirname(this.config.path));
    try {
      return await this.#locked(batch);
    } catch (error) {
      // A write that failed before anything was stored leaves no empty folder behind.
      if (createdDir)
        await removeFolderIfUnused(dirname(this.config.path), this.config.path, this.config.keyFile);
      throw error;
    }
  }

  async #locked(batch: QueuedWrite[]): Promise<Outcome[]> {
    const target = await writeTarget(this.config.path);
    return withStoreLock(target, this.config.lock, async (assertHeld) => {
      await removeLeftoverTemps(target);
      // Unchanged since this process last read or wrote it: no need to read 10,000 entries again.
      const stamp = await statStamp(this.config.path, this.config.reads);
      const source = await this.keys.require(stamp === null);
      const cached = this.cachedDocument(stamp);
      const snapshot = cached ? undefined : await readSnapshot(this.config.path, this.config.reads);
      const exists = cached !== undefined || snapshot !== null;
      let loaded: Loaded;
      if (cached) loaded = cached;
      else if (snapshot) {
        const verified = await this.verifySnapshot(snapshot, true);
        loaded = { doc: verified.view.document(), keys: verified.keys };
      } else loaded = await this.#create(source);
      // The cached document is mutated in place; any failure below drops the cache (see #drain).
      this.cache = undefined;
      const tx: Transaction = {
        doc: loaded.doc,
        keys: loaded.keys,
        source,
        now: new Date(),
        changed: false,
        destructive: false,
      };
      const outcomes: Outcome[] = batch.map((item) => {
        try {
          return { ok: true, value: item.apply(tx) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      if (!tx.changed) {
        if (exists) this.cache = { stamp: snapshot?.stamp ?? stamp!, loaded };
        return outcomes;
      }
      if (tx.destructive && exists) {
        const previous = snapshot?.text ?? (await fs.readFile(this.config.path, 'utf8'));
        await backupStore(this.config.path, previous, this.config.backups, this.config.fileMode);
      }
      await this.#write(target, tx.doc, tx.keys, assertHeld);
      if (tx.source !== source) this.keys.adopt(tx.source);
      return outcomes;
    });
  }

  /** A new, empty store document (written by the first change). */
  async #create(source: KeySource): Promise<Loaded> {
    if (this.config.createIfMissing === false) throw this.missing();
    await ensureHushGitignore(dirname(this.config.path));
    const kdf = newKdfParams(source);
    const storeId = randomId();
    const keys = await deriveKeys(source, kdf);
    const doc: StoreDocument = {
      format: FORMAT,
      storeId,
      kdf,
      keyCheck: keyCheckValue(keys, storeId, kdf),
      generation: 0,
      mac: '',
      secrets: Object.create(null),
    };
    return { doc, keys };
  }

  /** Bumps the generation, signs, writes `target` atomically, remembers the generation. Under the lock. */
  async #write(target: string, doc: StoreDocument, keys: DerivedKeys, assertHeld: () => void): Promise<void> {
    doc.generation += 1;
    // Whatever format the file was read in, it is written in the current one.
    doc.format = FORMAT;
    const { bytes, mac } = serializeSigned(doc, keys.mac);
    doc.mac = mac;
    await writeFileAtomic(target, bytes, assertHeld, this.config.fileMode);
    this.counters.fileWrites++;
    await this.config.memory.record(doc.storeId, doc.generation);
    const stamp = await statStamp(this.config.path, this.config.reads);
    this.cache = stamp ? { stamp, loaded: { doc, keys } } : undefined;
  }

  /** Signs the file as it is now, after every version was checked to decrypt (see the provider's `reseal`). */
  async reseal(): Promise<ResealResult> {
    await ensurePrivateDir(dirname(this.config.path));
    const target = await writeTarget(this.config.path);
    return withStoreLock(target, this.config.lock, async (assertHeld) => {
      await removeLeftoverTemps(target);
      const snapshot = await readSnapshot(this.config.path, this.config.reads);
      if (!snapshot) throw new ConfigError(`store ${this.config.path} does not exist; nothing to reseal`);
      assertPrivate(this.config.path, snapshot.mode, 'store', this.config.insecureOk);
      const doc = parseStore(snapshot.text, this.config.path);
      const keys = await this.keys.keysFor(doc, await this.keys.require());
      let versions = 0;
      for (const [name, secret] of Object.entries(doc.secrets)) {
        validateSecretName(name);
        checkEntry(name, secret, this.config.path);
        for (const [n, v] of Object.entries(secret.versions)) {
          this.decrypt(doc.storeId, keys, name, n, v);
          versions++;
        }
      }
      const highest = await this.config.memory.highest(doc.storeId);
      doc.generation = Math.max(doc.generation, highest);
      const backup = await backupStore(
        this.config.path,
        snapshot.text,
        this.config.backups,
        this.config.fileMode,
      );
      await this.#write(target, doc, keys, assertHeld);
      return {
        secrets: Object.keys(doc.secrets).length,
        versions,
        generation: doc.generation,
        ...(backup ? { backup } : {}),
      };
    });
  }
}

/**
 * Removes a store folder that a failed first write created, when it holds nothing but what hush
 * puts there before a store exists (its .gitignore, a released lock); anything else is kept.
 */
async function removeFolderIfUnused(dir: string, storePath: string, keyFile: string): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => undefined);
  if (!entries) return;
  const disposable = new Set(['.gitignore', `${basename(storePath)}.lock`]);
  if (entries.some((entry) => !disposable.has(entry)) || entries.includes(basename(keyFile))) return;
  await fs.rm(dir, { recursive: true, force: true });
}
