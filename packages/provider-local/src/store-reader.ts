import { dirname, join } from 'node:path';
import { ConfigError, IntegrityError, ProviderUnavailableError } from '@hush/core';
import { findEntry, readHeader } from './canonical.js';
import { type DerivedKeys, decryptValue } from './crypto.js';
import { assertPrivate, assertPrivateFolder, type FileSnapshot, readSnapshot, statStamp } from './disk.js';
import { type KeyRing, RetryWithNewKey } from './keyring.js';
import type { LockOptions } from './lock.js';
import { waitForRekey } from './rekey-lock.js';
import type { GenerationMemory } from './state.js';
import {
  checkEntry,
  parseStore,
  type StoreDocument,
  type StoredSecret,
  type StoredVersion,
  type StoreHeader,
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

/** The file was replaced between reading it and checking its generation: read it again. */
class ReadAgain extends Error {}

/** Attempts at a read or a write that meets a rekey in progress or a store replaced under it. */
export const ATTEMPTS = 4;

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
 * The store file as the provider reads it: read and verified (key, file MAC, generation) only
 * when it changed on disk. `StoreAccess` adds the writes.
 */
export class StoreReader {
  readonly keys: KeyRing;
  readonly counters = { fileReads: 0, fileWrites: 0, cacheHits: 0, decryptions: 0 };
  protected readonly config: StoreConfig;
  /** The store as last read or written, by the stat stamp of its file. */
  protected cache: { stamp: string; loaded: Loaded } | undefined;
  /** A file verified (key, MAC, generation) in its canonical layout, its entries not parsed. */
  #verified: Verified | undefined;
  #verifying: { stamp: string; promise: Promise<Verified | 'whole' | null> } | undefined;
  #pending: { stamp: string; promise: Promise<Loaded | null> } | undefined;

  constructor(config: StoreConfig) {
    this.config = config;
    this.keys = config.keys;
  }

  /** Drops what is cached (the parsed store and the derived keys). */
  forget(): void {
    this.cache = undefined;
    this.#verified = undefined;
    this.keys.forget();
  }

  /** An entry by name, shape-checked (entries are checked when used, not all at load). */
  entry(doc: StoreDocument, name: string): StoredSecret | undefined {
    if (!Object.hasOwn(doc.secrets, name)) return undefined;
    const secret = doc.secrets[name]!;
    checkEntry(name, secret, this.config.path);
    return secret;
  }

  decrypt(storeId: string, keys: DerivedKeys, name: string, version: string, stored: StoredVersion): string {
    this.counters.decryptions++;
    const value = decryptValue(keys.encryption, storeId, name, version, stored);
    if (value === null) {
      throw new IntegrityError(
        `secret '${name}' version ${version} in ${this.config.path} failed authentication: its ciphertext, IV or tag was altered, truncated, or moved from another entry`,
        name,
        { hint: `restore a backup from ${join(dirname(this.config.path), 'backups')}` },
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
        if (attempt >= ATTEMPTS || !(await this.canRetry(error))) throw error;
      }
    }
  }

  /** After a retryable failure: waits for a rekey when one runs. False when the error is final. */
  protected async canRetry(error: unknown): Promise<boolean> {
    if (error instanceof ReadAgain) return true;
    if (!(error instanceof RetryWithNewKey)) return false;
    if (error.wait && !(await waitForRekey(this.config.keyFile, this.config.lock))) {
      throw new ProviderUnavailableError(
        `a rekey of ${this.config.path} has been in progress for ${this.config.lock.timeoutMs} ms (lock ${this.config.keyFile}.lock)`,
        [],
        {
          hint: `wait for \`hush rekey\` to finish; if no hush process is running, remove ${this.config.keyFile}.lock`,
        },
      );
    }
    this.keys.forget();
    this.cache = undefined;
    this.#verified = undefined;
    return true;
  }

  async #loadOnce(): Promise<Loaded | null> {
    const stamp = await statStamp(this.config.path);
    if (stamp === null) {
      this.cache = undefined;
      return null;
    }
    if (this.cache && this.cache.stamp === stamp) {
      this.counters.cacheHits++;
      return this.cache.loaded;
    }
    // Concurrent cold reads of the same file share one parse and verification.
    if (this.#pending?.stamp === stamp) return this.#pending.promise;
    const promise = (async () => {
      const verified = this.#verified?.stamp === stamp ? this.#verified : undefined;
      if (verified) {
        // Already verified as it is: its entries only need parsing.
        const loaded = {
          doc: parseStore(verified.bytes.toString('utf8'), this.config.path),
          keys: verified.keys,
        };
        this.cache = { stamp, loaded };
        return loaded;
      }
      const snapshot = await readSnapshot(this.config.path);
      if (!snapshot) return null;
      this.counters.fileReads++;
      const loaded = await this.verifySnapshot(snapshot, false);
      this.cache = { stamp: snapshot.stamp, loaded };
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
        if (attempt >= ATTEMPTS || !(await this.canRetry(error))) throw error;
      }
    }
  }

  async #loadEntryOnce(
    name: string | undefined,
  ): Promise<{ header: StoreHeader; keys: DerivedKeys; secret?: StoredSecret } | null> {
    const stamp = await statStamp(this.config.path);
    if (stamp === null) {
      this.cache = undefined;
      this.#verified = undefined;
      return null;
    }
    const whole = async () => {
      const loaded = await this.#loadOnce();
      if (!loaded) return null;
      const secret = name === undefined ? undefined : this.entry(loaded.doc, name);
      return { header: loaded.doc, keys: loaded.keys, ...(secret ? { secret } : {}) };
    };
    if (this.cache?.stamp === stamp || this.#pending?.stamp === stamp) return whole();
    const verified = await this.#verifiedAt(stamp);
    if (verified === 'whole') return whole();
    if (verified === null) return null;
    if (name === undefined) return { header: verified.header, keys: verified.keys };
    const secret = findEntry(verified.bytes, verified.entriesAt, name);
    if (secret) checkEntry(name, secret, this.config.path);
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
      const snapshot = await readSnapshot(this.config.path);
      if (!snapshot) return null;
      assertPrivate(this.config.path, snapshot.mode, 'store', this.config.insecureOk);
      await assertPrivateFolder(this.config.path, this.config.insecureOk);
      const canonical = readHeader(snapshot.bytes, this.config.path);
      // Not in the layout hush writes (line endings changed, edited by hand): parse it all.
      if (!canonical) return 'whole';
      this.counters.fileReads++;
      const keys = await this.#check(snapshot, canonical.header, false, () =>
        parseStore(snapshot.text, this.config.path),
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
        if (attempt >= ATTEMPTS || !(await this.canRetry(error))) throw error;
      }
    }
  }

  /** Checks mode, key, file MAC and generation. `locked`: no writer can replace the file meanwhile. */
  protected async verifySnapshot(snapshot: FileSnapshot, locked: boolean): Promise<Loaded> {
    assertPrivate(this.config.path, snapshot.mode, 'store', this.config.insecureOk);
    await assertPrivateFolder(this.config.path, this.config.insecureOk);
    const doc = parseStore(snapshot.text, this.config.path);
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
        checkEntry(name, secret, this.config.path);
        for (const [n, v] of Object.entries(secret.versions)) this.decrypt(doc.storeId, keys, name, n, v);
      }
      throw new IntegrityError(
        `store ${this.config.path} failed its integrity check (file MAC): entries were added, removed, rolled back or edited outside hush`,
        undefined,
        {
          hint: 'if this follows a git merge or a restored backup you trust, run `hush reseal`; otherwise restore a backup',
        },
      );
    }
    const highest = await this.config.memory.highest(header.storeId);
    if (header.generation < highest) {
      // A writer records its generation after renaming its file into place: when the file read
      // here is no longer the one on disk, an honest writer replaced it meanwhile. Read it again.
      if (!locked && (await statStamp(this.config.path)) !== snapshot.stamp) throw new ReadAgain();
      throw new IntegrityError(
        `store ${this.config.path} is generation ${header.generation}, older than generation ${highest} already seen here: an older copy of the file was put back (replay or rollback)`,
        undefined,
        { hint: 'if you restored it on purpose, run `hush reseal` to accept it' },
      );
    }
    await this.config.memory.record(header.storeId, header.generation);
    return keys;
  }

  /** The error for a store that is not there when `createIfMissing` is false. */
  missing(): ConfigError {
    return new ConfigError(`store ${this.config.path} does not exist (createIfMissing is false)`, {
      hint: 'create it with `hush init`, or drop createIfMissing: false',
    });
  }
}
