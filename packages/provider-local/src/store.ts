import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, IntegrityError, ProviderUnavailableError, validateSecretName } from '@hush/core';
import { backupStore } from './backup.js';
import { findEntry, readHeader } from './canonical.js';
import {
  type DerivedKeys,
  decryptValue,
  deriveKeys,
  FORMAT,
  type KeySource,
  keyCheckValue,
  newKdfParams,
  randomId,
} from './crypto.js';
import {
  assertPrivate,
  assertPrivateFolder,
  ensurePrivateDir,
  type FileSnapshot,
  readSnapshot,
  removeLeftoverTemps,
  statStamp,
  writeFileAtomic,
  writeTarget,
} from './disk.js';
import { ensureHushGitignore } from './gitignore.js';
import { type KeyRing, RetryWithNewKey } from './keyring.js';
import { type LockOptions, withStoreLock } from './lock.js';
import type { ResealResult } from './options.js';
import { waitForRekey } from './rekey-lock.js';
import type { GenerationMemory } from './state.js';
import {
  checkEntry,
  parseStore,
  type StoreDocument,
  type StoredSecret,
  type StoredVersion,
  type StoreHeader,
  serializeSigned,
  verifyFileMac,
  verifyFileMacBytes,
} from './store-file.js';

export interface Loaded {
  doc: StoreDocument;
  keys: DerivedKeys;
}

/** A store file verified in its canonical layout: its text, where its entries start, its keys. */
interface Verified {
  stamp: string;
  bytes: Buffer;
  entriesAt: number;
  header: StoreHeader;
  keys: DerivedKeys;
}

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

/** The file was replaced between reading it and checking its generation: read it again. */
class ReadAgain extends Error {}

/** Attempts at a read or a write that meets a rekey in progress or a store replaced under it. */
const ATTEMPTS = 4;

export interface StoreConfig {
  path: string;
  keyFile: string;
  keys: KeyRing;
  memory: GenerationMemory;
  lock: LockOptions;
  insecureOk: boolean;
  fileMode: number;
  backups: number;
  createIfMissing: boolean;
}

/**
 * The store file as the provider uses it: read and verified (key, file MAC, generation) only when
 * it changed on disk, and changed only through queued, locked, atomic read-modify-writes.
 */
export class StoreAccess {
  readonly keys: KeyRing;
  readonly counters = { fileReads: 0, fileWrites: 0, cacheHits: 0, decryptions: 0 };
  readonly #config: StoreConfig;
  #cache: { stamp: string; loaded: Loaded } | undefined;
  /** A file verified (key, MAC, generation) in its canonical layout, its entries not parsed. */
  #verified: Verified | undefined;
  #verifying: { stamp: string; promise: Promise<Verified | 'whole' | null> } | undefined;
  #pending: { stamp: string; promise: Promise<Loaded | null> } | undefined;
  #queue: QueuedWrite[] = [];
  #draining = false;

  constructor(config: StoreConfig) {
    this.#config = config;
    this.keys = config.keys;
  }

  /** Drops what is cached (the parsed store and the derived keys). */
  forget(): void {
    this.#cache = undefined;
    this.#verified = undefined;
    this.keys.forget();
  }

  /** An entry by name, shape-checked (entries are checked when used, not all at load). */
  entry(doc: StoreDocument, name: string): StoredSecret | undefined {
    if (!Object.hasOwn(doc.secrets, name)) return undefined;
    const secret = doc.secrets[name]!;
    checkEntry(name, secret, this.#config.path);
    return secret;
  }

  decrypt(storeId: string, keys: DerivedKeys, name: string, version: string, stored: StoredVersion): string {
    this.counters.decryptions++;
    const value = decryptValue(keys.encryption, storeId, name, version, stored);
    if (value === null) {
      throw new IntegrityError(
        `secret '${name}' version ${version} in ${this.#config.path} failed authentication: its ciphertext, IV or tag was altered, truncated, or moved from another entry`,
        name,
        { hint: `restore a backup from ${join(dirname(this.#config.path), 'backups')}` },
      );
    }
    return value;
  }

  /**
   * The verified store, re-read only when the file changed (stat stamp). Null when absent. A read
   * that meets a rekey in progress waits for it; one that meets a file replaced while it was being
   * checked (an honest writer) reads it again.
   */
  async load(): Promise<Loaded | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#loadOnce();
      } catch (error) {
        if (attempt >= ATTEMPTS || !(await this.#canRetry(error))) throw error;
      }
    }
  }

  /** After a retryable failure: waits for a rekey when one runs. False when the error is final. */
  async #canRetry(error: unknown): Promise<boolean> {
    if (error instanceof ReadAgain) return true;
    if (!(error instanceof RetryWithNewKey)) return false;
    if (error.wait && !(await waitForRekey(this.#config.keyFile, this.#config.lock))) {
      throw new ProviderUnavailableError(
        `a rekey of ${this.#config.path} has been in progress for ${this.#config.lock.timeoutMs} ms (lock ${this.#config.keyFile}.lock)`,
        [],
        {
          hint: `wait for \`hush rekey\` to finish; if no hush process is running, remove ${this.#config.keyFile}.lock`,
        },
      );
    }
    this.keys.forget();
    this.#cache = undefined;
    this.#verified = undefined;
    return true;
  }

  async #loadOnce(): Promise<Loaded | null> {
    const stamp = await statStamp(this.#config.path);
    if (stamp === null) {
      this.#cache = undefined;
      return null;
    }
    if (this.#cache && this.#cache.stamp === stamp) {
      this.counters.cacheHits++;
      return this.#cache.loaded;
    }
    // Concurrent cold reads of the same file share one parse and verification.
    if (this.#pending?.stamp === stamp) return this.#pending.promise;
    const promise = (async () => {
      const verified = this.#verified?.stamp === stamp ? this.#verified : undefined;
      if (verified) {
        // Already verified as it is: its entries only need parsing.
        const loaded = {
          doc: parseStore(verified.bytes.toString('utf8'), this.#config.path),
          keys: verified.keys,
        };
        this.#cache = { stamp, loaded };
        return loaded;
      }
      const snapshot = await readSnapshot(this.#config.path);
      if (!snapshot) return null;
      this.counters.fileReads++;
      const loaded = await this.#verify(snapshot, false);
      this.#cache = { stamp: snapshot.stamp, loaded };
      return loaded;
    })();
    const pending = { stamp, promise };
    this.#pending = pending;
    try {
      return await promise;
    } finally {
      if (this.#pending === pending) this.#pending = undefined;
    }
  }

  /**
   * One entry, verified as `load` verifies the whole store (mode, key, file MAC, generation), but
   * without parsing the other entries when the store is not loaded yet: what one `get` needs.
   */
  async loadEntry(
    name: string,
  ): Promise<{ header: StoreHeader; keys: DerivedKeys; secret?: StoredSecret } | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#loadEntryOnce(name);
      } catch (error) {
        if (attempt >= ATTEMPTS || !(await this.#canRetry(error))) throw error;
      }
    }
  }

  async #loadEntryOnce(
    name: string | undefined,
  ): Promise<{ header: StoreHeader; keys: DerivedKeys; secret?: StoredSecret } | null> {
    const stamp = await statStamp(this.#config.path);
    if (stamp === null) {
      this.#cache = undefined;
      this.#verified = undefined;
      return null;
    }
    const whole = async () => {
      const loaded = await this.#loadOnce();
      if (!loaded) return null;
      const secret = name === undefined ? undefined : this.entry(loaded.doc, name);
      return { header: loaded.doc, keys: loaded.keys, ...(secret ? { secret } : {}) };
    };
    if (this.#cache?.stamp === stamp || this.#pending?.stamp === stamp) return whole();
    const verified = await this.#verifiedAt(stamp);
    if (verified === 'whole') return whole();
    if (verified === null) return null;
    if (name === undefined) return { header: verified.header, keys: verified.keys };
    const secret = findEntry(verified.bytes, verified.entriesAt, name);
    if (secret) checkEntry(name, secret, this.#config.path);
    return { header: verified.header, keys: verified.keys, ...(secret ? { secret } : {}) };
  }

  /**
   * The file verified in its canonical layout (concurrent cold reads share one read and check);
   * 'whole' when it is not in that layout and must be parsed whole; null when it is gone.
   */
  #verifiedAt(stamp: string): Promise<Verified | 'whole' | null> {
    if (this.#verified?.stamp === stamp) return Promise.resolve(this.#verified);
    if (this.#verifying?.stamp === stamp) return this.#verifying.promise;
    const promise = (async (): Promise<Verified | 'whole' | null> => {
      const snapshot = await readSnapshot(this.#config.path);
      if (!snapshot) return null;
      assertPrivate(this.#config.path, snapshot.mode, 'store', this.#config.insecureOk);
      await assertPrivateFolder(this.#config.path, this.#config.insecureOk);
      const canonical = readHeader(snapshot.bytes, this.#config.path);
      // Not in the layout hush writes (line endings changed, edited by hand): parse it all.
      if (!canonical) return 'whole';
      this.counters.fileReads++;
      const keys = await this.#check(snapshot, canonical.header, false, () =>
        parseStore(snapshot.text, this.#config.path),
      );
      const verified: Verified = {
        stamp: snapshot.stamp,
        bytes: snapshot.bytes,
        entriesAt: canonical.entriesAt,
        header: canonical.header,
        keys,
      };
      this.#verified = verified;
      return verified;
    })();
    const pending = { stamp, promise };
    this.#verifying = pending;
    const clear = () => {
      if (this.#verifying === pending) this.#verifying = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  /** Verifies the store (key, MAC, generation) without keeping its entries parsed. False when absent. */
  async verify(): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#loadEntryOnce(undefined)) !== null;
      } catch (error) {
        if (attempt >= ATTEMPTS || !(await this.#canRetry(error))) throw error;
      }
    }
  }

  /** Checks mode, key, file MAC and generation. `locked`: no writer can replace the file meanwhile. */
  async #verify(snapshot: FileSnapshot, locked: boolean): Promise<Loaded> {
    assertPrivate(this.#config.path, snapshot.mode, 'store', this.#config.insecureOk);
    await assertPrivateFolder(this.#config.path, this.#config.insecureOk);
    const doc = parseStore(snapshot.text, this.#config.path);
    const keys = await this.#check(snapshot, doc, locked, () => doc);
    return { doc, keys };
  }

  /** Folder, key, file MAC and generation of a file whose header is parsed; `entries` parses the rest. */
  async #check(
    snapshot: FileSnapshot,
    header: StoreHeader,
    locked: boolean,
    entries: () => StoreDocument,
  ): Promise<DerivedKeys> {
    const keys = await this.keys.keysFor(header, await this.keys.require());
    // A file without CR bytes is checked over its bytes, undecoded (see verifyFileMacBytes).
    const intact = snapshot.bytes.includes(0x0d)
      ? verifyFileMac(snapshot.text, header, keys.mac)
      : verifyFileMacBytes(snapshot.bytes, header, keys.mac);
    if (!intact) {
      // Only on failure: find an entry whose ciphertext no longer authenticates, to name it.
      const doc = entries();
      for (const [name, secret] of Object.entries(doc.secrets)) {
        checkEntry(name, secret, this.#config.path);
        for (const [n, v] of Object.entries(secret.versions)) this.decrypt(doc.storeId, keys, name, n, v);
      }
      throw new IntegrityError(
        `store ${this.#config.path} failed its integrity check (file MAC): entries were added, removed, rolled back or edited outside hush`,
        undefined,
        {
          hint: 'if this follows a git merge or a restored backup you trust, run `hush reseal`; otherwise restore a backup',
        },
      );
    }
    const highest = await this.#config.memory.highest(header.storeId);
    if (header.generation < highest) {
      // A writer records its generation after renaming its file into place: when the file read
      // here is no longer the one on disk, an honest writer replaced it meanwhile. Read it again.
      if (!locked && (await statStamp(this.#config.path)) !== snapshot.stamp) throw new ReadAgain();
      throw new IntegrityError(
        `store ${this.#config.path} is generation ${header.generation}, older than generation ${highest} already seen here: an older copy of the file was put back (replay or rollback)`,
        undefined,
        { hint: 'if you restored it on purpose, run `hush reseal` to accept it' },
      );
    }
    await this.#config.memory.record(header.storeId, header.generation);
    return keys;
  }

  // ---- writing ----

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
          this.#cache = undefined;
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
        if (attempt >= ATTEMPTS || !(await this.#canRetry(error))) throw error;
      }
    }
  }

  async #transaction(batch: QueuedWrite[]): Promise<Outcome[]> {
    const createdDir = await ensurePrivateDir(dirname(this.#config.path));
    try {
      return await this.#locked(batch);
    } catch (error) {
      // A write that failed before anything was stored leaves no empty folder behind.
      if (createdDir)
        await removeFolderIfUnused(dirname(this.#config.path), this.#config.path, this.#config.keyFile);
      throw error;
    }
  }

  async #locked(batch: QueuedWrite[]): Promise<Outcome[]> {
    const target = await writeTarget(this.#config.path);
    return withStoreLock(target, this.#config.lock, async (assertHeld) => {
      await removeLeftoverTemps(target);
      // Unchanged since this process last read or wrote it: no need to read 10,000 entries again.
      const stamp = await statStamp(this.#config.path);
      const source = await this.keys.require(stamp === null);
      const cached = stamp !== null && this.#cache?.stamp === stamp ? this.#cache : undefined;
      const snapshot = cached ? undefined : await readSnapshot(this.#config.path);
      const exists = cached !== undefined || snapshot !== null;
      let loaded: Loaded;
      if (cached) loaded = cached.loaded;
      else if (snapshot) loaded = await this.#verify(snapshot, true);
      else loaded = await this.#create(source);
      // The cached document is mutated in place; any failure below drops the cache (see #drain).
      this.#cache = undefined;
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
        if (exists) this.#cache = { stamp: snapshot?.stamp ?? stamp!, loaded };
        return outcomes;
      }
      if (tx.destructive && exists) {
        const previous = snapshot?.text ?? (await fs.readFile(this.#config.path, 'utf8'));
        await backupStore(this.#config.path, previous, this.#config.backups, this.#config.fileMode);
      }
      await this.#write(target, tx.doc, tx.keys, assertHeld);
      if (tx.source !== source) this.keys.adopt(tx.source);
      return outcomes;
    });
  }

  /** A new, empty store document (written by the first change). */
  async #create(source: KeySource): Promise<Loaded> {
    if (this.#config.createIfMissing === false) throw this.missing();
    await ensureHushGitignore(dirname(this.#config.path));
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
    const { text, mac } = serializeSigned(doc, keys.mac);
    doc.mac = mac;
    await writeFileAtomic(target, text, assertHeld, this.#config.fileMode);
    this.counters.fileWrites++;
    await this.#config.memory.record(doc.storeId, doc.generation);
    const stamp = await statStamp(this.#config.path);
    this.#cache = stamp ? { stamp, loaded: { doc, keys } } : undefined;
  }

  missing(): ConfigError {
    return new ConfigError(`store ${this.#config.path} does not exist (createIfMissing is false)`, {
      hint: 'create it with `hush init`, or drop createIfMissing: false',
    });
  }

  /** Signs the file as it is now, after every version was checked to decrypt (see the provider's `reseal`). */
  async reseal(): Promise<ResealResult> {
    await ensurePrivateDir(dirname(this.#config.path));
    const target = await writeTarget(this.#config.path);
    return withStoreLock(target, this.#config.lock, async (assertHeld) => {
      await removeLeftoverTemps(target);
      const snapshot = await readSnapshot(this.#config.path);
      if (!snapshot) throw new ConfigError(`store ${this.#config.path} does not exist; nothing to reseal`);
      assertPrivate(this.#config.path, snapshot.mode, 'store', this.#config.insecureOk);
      const doc = parseStore(snapshot.text, this.#config.path);
      const keys = await this.keys.keysFor(doc, await this.keys.require());
      let versions = 0;
      for (const [name, secret] of Object.entries(doc.secrets)) {
        validateSecretName(name);
        checkEntry(name, secret, this.#config.path);
        for (const [n, v] of Object.entries(secret.versions)) {
          this.decrypt(doc.storeId, keys, name, n, v);
          versions++;
        }
      }
      const highest = await this.#config.memory.highest(doc.storeId);
      doc.generation = Math.max(doc.generation, highest);
      const backup = await backupStore(
        this.#config.path,
        snapshot.text,
        this.#config.backups,
        this.#config.fileMode,
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
