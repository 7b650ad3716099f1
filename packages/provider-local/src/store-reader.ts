import { dirname, join } from 'node:path';
import { ConfigError, IntegrityError, ProviderUnavailableError } from '@hush/core';
import { type DerivedKeys, decryptValue, FORMAT_V1 } from './crypto.js';
import {
  assertPrivate,
  assertPrivateFolder,
  type FileSnapshot,
  readSnapshot,
  stampOf,
  statStamp,
} from './disk.js';
import { type KeyRing, RetryWithNewKey } from './keyring.js';
import { type ListingSpans, readSpans } from './listing-spans.js';
import type { LockOptions } from './lock.js';
import { type FileReads, syncReads } from './read-files.js';
import { waitForRekey } from './rekey-lock.js';
import type { GenerationMemory, StateFile } from './state.js';
import {
  checkEntry,
  parseStore,
  type StoreDocument,
  type StoredSecret,
  type StoredVersion,
  type StoreHeader,
} from './store-file.js';
import { readLayout, verifyFileMac } from './store-lines.js';
import { StreamedStore } from './store-stream.js';
import { V1View, verifyV1FileMac } from './store-v1.js';
import { DocView, LinesView, type StoreView } from './store-view.js';
import { RACY_MS, signStamp, stampedLayout } from './verified-stamp.js';

export interface Loaded {
  doc: StoreDocument;
  keys: DerivedKeys;
}

/** A store file verified (mode, key, file MAC, generation), by the stat stamp of the file read. */
export interface Verified {
  stamp: string;
  view: StoreView;
  keys: DerivedKeys;
}

/** One secret of a verified store, as `readOne` finds it: undefined when the store has none of that name. */
export interface OneEntry {
  storeId: string;
  keys: DerivedKeys;
  secret: StoredSecret | undefined;
}

/** What a verification reads besides the store, started before the store is read (see `#readAhead`). */
interface ReadAhead {
  folder: Promise<void>;
  state: Promise<StateFile>;
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
  /** How the store, its key and its state are read (see `syncReads`). */
  reads: FileReads;
  /** The clock (ms since the epoch). */
  now: () => number;
}

/**
 * The store file as the provider reads it: read and verified (key, file MAC, generation) only
 * when it changed on disk. `StoreAccess` adds the writes.
 */
export class StoreReader {
  readonly keys: KeyRing;
  readonly counters = { fileReads: 0, fileWrites: 0, cacheHits: 0, decryptions: 0, notedReads: 0 };
  protected readonly config: StoreConfig;
  /** The whole document as last written (or handed to a writer), by the stat stamp of its file. */
  protected cache: { stamp: string; loaded: Loaded } | undefined;
  /** The file as last read and verified, its entries parsed only when used. */
  #verified: Verified | undefined;
  #pending: { stamp: string | undefined; promise: Promise<Verified | null> } | undefined;

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

  /** An entry of a document by name, shape-checked (entries are checked when used, not all at load). */
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
   * The verified store, re-read only when the file changed (stat stamp); null when absent. A read
   * that meets a rekey in progress waits for it; one that meets a file replaced while it was being
   * checked (an honest writer) reads it again.
   */
  async view(): Promise<Verified | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#viewOnce();
      } catch (error) {
        if (attempt >= ATTEMPTS || !(await this.canRetry(error))) throw error;
      }
    }
  }

  /**
   * One secret for a process that reads it and exits (reads on the calling thread, nothing read
   * yet): the file streamed through a small buffer (see `StreamedStore`), and nothing kept, so
   * any later read reads the file again. Whatever the stream cannot answer (a file in another
   * layout, a failure of any kind) is answered by `view()`, which reads the file whole and reports
   * what is wrong. Null when the store is absent.
   */
  async readOne(name: string): Promise<OneEntry | null> {
    if (this.#streams()) {
      const streamed = await this.#stream((file) => file.entry(name, this.config.path)).catch(
        () => undefined,
      );
      if (streamed) return { storeId: streamed.storeId, keys: streamed.keys, secret: streamed.value };
    }
    const found = await this.view();
    return found && { storeId: found.view.header.storeId, keys: found.keys, secret: found.view.entry(name) };
  }

  /**
   * The listing of the secrets whose names start with `prefix` as places in the store's text (see
   * `ListingSpans`), the file read as `readOne` reads it: with a signed note of an earlier
   * verification, only the listing's lines are read. Undefined when the listing cannot be given
   * so, or the store is absent.
   */
  async readSpans(prefix: string): Promise<ListingSpans | undefined> {
    if (this.#streams()) {
      const streamed = await this.#stream((file) => readSpans(file.listing(), prefix)).catch(() => undefined);
      if (streamed) return streamed.value;
    }
    const found = await this.view();
    return found?.view.spans(prefix);
  }

  /** Whether a read streams the file: a process that reads on its thread and holds nothing yet. */
  #streams(): boolean {
    return this.config.reads === syncReads && !this.cache && !this.#verified && !this.#pending;
  }

  /**
   * `read` of the store file streamed (see `StreamedStore`); undefined when the whole read must
   * answer. Checks as `verifySnapshot` does, and leaves a note of the verification for the next.
   */
  async #stream<T>(
    read: (file: StreamedStore) => T,
  ): Promise<{ storeId: string; keys: DerivedKeys; value: T } | undefined> {
    const path = this.config.path;
    const ahead = this.#readAhead();
    const file = StreamedStore.open(path);
    try {
      const head = file.head(path);
      if (!head) return undefined;
      assertPrivate(path, file.stats.mode, 'store', this.config.insecureOk);
      await ahead.folder;
      const keys = await this.keys.keysFor(head.header, await this.keys.require());
      const { storeId, generation } = head.header;
      const memory = this.config.memory;
      const subject = { storeId, generation, file: stampOf(file.stats), mac: file.spelledMac! };
      const noted = stampedLayout(
        await memory.verifiedStamp(storeId, generation, ahead.state),
        keys.mac,
        subject,
      );
      if (noted) file.adopt(noted);
      else if (!file.verify(keys.mac)) return undefined;
      if (generation < (await memory.admit(storeId, generation, ahead.state))) return undefined;
      const value = read(file);
      if (!file.unchanged()) return undefined;
      this.counters.fileReads++;
      if (noted) this.counters.notedReads++;
      else if (this.config.now() - file.stats.ctimeMs >= RACY_MS)
        await memory.recordStamp(storeId, generation, signStamp(keys.mac, subject, file.sections!));
      return { storeId, keys, value };
    } finally {
      file.close();
    }
  }

  /** Verifies the store (key, MAC, generation) without parsing its entries. False when absent. */
  async verify(): Promise<boolean> {
    return (await this.view()) !== null;
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
    this.forget();
    return true;
  }

  async #viewOnce(): Promise<Verified | null> {
    // Nothing read yet: the file is read at once, and the stat of the descriptor it is read
    // through is its stamp (a stat first would be one more wait for a fresh process).
    if (this.cache === undefined && this.#verified === undefined) {
      const pending = this.#pending;
      return pending && pending.stamp === undefined ? pending.promise : this.#shared(undefined);
    }
    const stamp = await statStamp(this.config.path, this.config.reads);
    if (stamp === null) {
      this.cache = undefined;
      this.#verified = undefined;
      return null;
    }
    if (this.cache?.stamp === stamp) {
      this.counters.cacheHits++;
      const { doc, keys } = this.cache.loaded;
      return { stamp, view: new DocView(doc, this.config.path), keys };
    }
    if (this.#verified?.stamp === stamp) {
      this.counters.cacheHits++;
      return this.#verified;
    }
    if (this.#pending?.stamp === stamp) return this.#pending.promise;
    return this.#shared(stamp);
  }

  /** Concurrent cold reads of the same file (by stamp; undefined: a first read) share one read and verification. */
  async #shared(stamp: string | undefined): Promise<Verified | null> {
    const promise = this.#readVerified();
    const pending = { stamp, promise };
    this.#pending = pending;
    try {
      return await promise;
    } finally {
      if (this.#pending === pending) this.#pending = undefined;
    }
  }

  async #readVerified(): Promise<Verified | null> {
    const ahead = this.#readAhead();
    const snapshot = await readSnapshot(this.config.path, this.config.reads);
    if (!snapshot) return null;
    this.counters.fileReads++;
    const verified = await this.verifySnapshot(snapshot, false, ahead);
    this.#verified = verified;
    return verified;
  }

  /**
   * Starts what a verification reads besides the store (the key file, the state file, the stat of
   * the folder) so that those reads run while the store is read. Each failure surfaces where the
   * verification uses it, in the order it always did; none surfaces when the store is absent.
   */
  #readAhead(): ReadAhead {
    const folder = assertPrivateFolder(this.config.path, this.config.insecureOk, this.config.reads);
    folder.catch(() => {});
    this.keys.source().catch(() => {});
    return { folder, state: this.config.memory.readAhead() };
  }

  /**
   * The document a writer changes: the cached one when the file is unchanged since, else parsed
   * from the file as verified (the verified view is dropped: the writer changes the document).
   */
  protected cachedDocument(stamp: string | null): Loaded | undefined {
    if (stamp === null) return undefined;
    if (this.cache?.stamp === stamp) return this.cache.loaded;
    if (this.#verified?.stamp !== stamp) return undefined;
    const { view, keys } = this.#verified;
    this.#verified = undefined;
    return { doc: view.document(), keys };
  }

  /** Checks mode, key, file MAC and generation. `locked`: no writer can replace the file meanwhile. */
  protected async verifySnapshot(
    snapshot: FileSnapshot,
    locked: boolean,
    ahead?: ReadAhead,
  ): Promise<Verified> {
    const path = this.config.path;
    assertPrivate(path, snapshot.mode, 'store', this.config.insecureOk);
    await (ahead?.folder ?? assertPrivateFolder(path, this.config.insecureOk, this.config.reads));
    // Line endings turned into CRLF (git on Windows) are read as the LF file that was signed.
    const crlf = snapshot.bytes.includes(0x0d);
    const text = crlf ? snapshot.text.replace(/\r\n/g, '\n') : undefined;
    const bytes = text === undefined ? snapshot.bytes : Buffer.from(text);
    const layout = readLayout(bytes, path);
    if (layout) {
      const view = new LinesView(layout.header, bytes, layout, path);
      const keys = await this.#check(snapshot.stamp, view, locked, ahead, (mac) =>
        verifyFileMac(bytes, layout.header, mac, layout),
      );
      return { stamp: snapshot.stamp, view, keys };
    }
    const v1 = text === undefined ? V1View.of(bytes, path) : undefined;
    if (v1) {
      const keys = await this.#check(snapshot.stamp, v1, locked, ahead, (mac) => v1.verifyMac(mac));
      return { stamp: snapshot.stamp, view: v1, keys };
    }
    // Another layout (one merged or reformatted by hand, a first-format file with CRLF): parsed whole.
    const whole = text ?? snapshot.text;
    const view = new DocView(parseStore(whole, path), path);
    const keys = await this.#check(snapshot.stamp, view, locked, ahead, (mac) =>
      view.header.format === FORMAT_V1
        ? verifyV1FileMac(whole, view.header, mac)
        : verifyFileMac(bytes, view.header, mac),
    );
    return { stamp: snapshot.stamp, view, keys };
  }

  /** Key, file MAC and generation of a file read as `view`; `intact` checks the MAC under a key. */
  async #check(
    stamp: string,
    view: StoreView,
    locked: boolean,
    ahead: ReadAhead | undefined,
    intact: (macKey: Buffer) => boolean,
  ): Promise<DerivedKeys> {
    const header: StoreHeader = view.header;
    const keys = await this.keys.keysFor(header, await this.keys.require());
    if (!intact(keys.mac)) {
      // Only on failure: find an entry whose ciphertext no longer authenticates, to name it.
      const doc = parsedOrUndefined(view);
      for (const [name, secret] of Object.entries(doc?.secrets ?? {})) {
        checkEntry(name, secret, this.config.path);
        for (const [n, v] of Object.entries(secret.versions)) this.decrypt(doc!.storeId, keys, name, n, v);
      }
      throw new IntegrityError(
        `store ${this.config.path} failed its integrity check (file MAC): entries were added, removed, rolled back or edited outside hush`,
        undefined,
        {
          hint: 'if this follows a git merge or a restored backup you trust, run `hush reseal`; otherwise restore a backup',
        },
      );
    }
    const highest = await this.config.memory.admit(header.storeId, header.generation, ahead?.state);
    if (header.generation < highest) {
      // A writer records its generation after renaming its file into place: when the file read
      // here is no longer the one on disk, an honest writer replaced it meanwhile. Read it again.
      if (!locked && (await statStamp(this.config.path, this.config.reads)) !== stamp) throw new ReadAgain();
      throw new IntegrityError(
        `store ${this.config.path} is generation ${header.generation}, older than generation ${highest} already seen here: an older copy of the file was put back (replay or rollback)`,
        undefined,
        { hint: 'if you restored it on purpose, run `hush reseal` to accept it' },
      );
    }
    return keys;
  }

  /** The error for a store that is not there when `createIfMissing` is false. */
  missing(): ConfigError {
    return new ConfigError(`store ${this.config.path} does not exist (createIfMissing is false)`, {
      hint: 'create it with `hush init`, or drop createIfMissing: false',
    });
  }
}

/** The whole document of a file that failed its MAC, or undefined when its sections are not JSON. */
function parsedOrUndefined(view: StoreView): StoreDocument | undefined {
  try {
    return view.document();
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
