import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  ConfigError,
  createSecret,
  IntegrityError,
  type ProviderCapabilities,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  type Secret,
  type SecretInfo,
  SecretNotFoundError,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import { backupStore } from './backup.js';
import {
  type DerivedKeys,
  decryptValue,
  deriveKeys,
  encryptValue,
  equalBase64,
  FORMAT,
  KdfMismatch,
  type KeySource,
  keyCheckValue,
  newKdfParams,
  randomId,
  type ScryptCost,
} from './crypto.js';
import { ensureHushGitignore } from './gitignore.js';
import { type KeyOptions, parseMasterKey, passphraseSource, resolveKeySource } from './keys.js';
import { DEFAULT_LOCK, withStoreLock } from './lock.js';
import { GenerationMemory } from './state.js';
import {
  assertPrivate,
  checkEntry,
  ensurePrivateDir,
  type FileSnapshot,
  parseStore,
  readSnapshot,
  removeLeftoverTemps,
  type StoreDocument,
  type StoredSecret,
  type StoredVersion,
  serializeSigned,
  statStamp,
  verifyFileMac,
  versionNumbers,
  writeFileAtomic,
} from './store-file.js';

export interface LocalProviderOptions {
  /** Store file; relative paths resolve from `root`. Default `.hush/secrets.enc.json`. */
  path?: string;
  /** Seed 000's name for `path` (`path` wins when both are given). */
  storePath?: string;
  /**
   * Create the store on the first write (default true). With false, `initialize()` and writes
   * refuse a missing store with a ConfigError instead (reads of a missing store return nothing).
   */
  createIfMissing?: boolean;
  /**
   * Mode of the store file (and its backups). Default 0o600. A mode that gives group or others
   * any access is refused unless `allowInsecurePermissions` is set; the owner must keep read access.
   */
  fileMode?: number;
  /** Base for relative paths (the plugin passes the application root). Default `process.cwd()`. */
  root?: string;
  /** Base64 of a random 32-byte key (see `generateMasterKey()`). Wins over every other source. */
  masterKey?: string | Uint8Array;
  /** Protect the store with a passphrase instead (scrypt, parameters stored in the file). */
  passphrase?: string;
  /** scrypt cost for stores created (or rekeyed) with a passphrase. Default N=2^17, r=8, p=1. */
  scrypt?: ScryptCost;
  /**
   * Use PBKDF2-SHA256 instead of scrypt for stores created (or rekeyed) with a passphrase:
   * `{ iterations }`, default and minimum 600,000. `{}` takes the default.
   */
  pbkdf2?: { iterations?: number };
  /** Key file read when neither option nor `HUSH_MASTER_KEY` gives a key. Default `.hush/master.key`. */
  keyFile?: string;
  /** Where the highest generation seen is remembered (replay detection); `false` turns it off. Default `<store folder>/state.json`. */
  statePath?: string | false;
  /** Environment to read `HUSH_MASTER_KEY` from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Instance name. Default `local`. */
  name?: string;
  /** Versions kept per secret; older ones are dropped. Default 10. */
  maxVersions?: number;
  /** Backups kept in `<store folder>/backups/`. Default 5; 0 disables them. */
  backups?: number;
  /** Accept a store or key file readable by group or others. Default false (refused, as ssh does). */
  allowInsecurePermissions?: boolean;
  /** A lock not refreshed for this long is taken over (its holder died). Default 10 s, minimum 2 s. */
  lockStaleMs?: number;
  /** How long a write waits for another process's lock. Default 60 s. */
  lockTimeoutMs?: number;
}

/** A new key for `rekey`: a master key (base64 or bytes) or a passphrase. */
export type NewKey =
  | { masterKey: string | Uint8Array }
  | { passphrase: string; scrypt?: ScryptCost; pbkdf2?: { iterations?: number } };

export interface BulkEntry {
  key: string;
  value: string;
  options?: ProviderSetOptions;
}

export interface ResealResult {
  secrets: number;
  versions: number;
  generation: number;
  backup?: string;
}

interface Loaded {
  doc: StoreDocument;
  keys: DerivedKeys;
}

/** What a queued write sees: the freshly read store and the keys that open it. */
interface Transaction {
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

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: true,
  delete: true,
  list: true,
  versions: true,
  tags: true,
  expiry: true,
  batchGet: true,
});

/**
 * The embedded default: an encrypted JSON file. Every value version is sealed on its own with
 * AES-256-GCM; a file MAC over the entry list and a generation counter catch removed, added,
 * rolled-back and replayed entries; writes are atomic and serialised across processes.
 */
export class LocalSecretProvider implements SecretProvider {
  readonly kind = 'local';
  readonly name: string;
  readonly capabilities = CAPABILITIES;
  readonly path: string;
  readonly keyFile: string;

  readonly #options: LocalProviderOptions;
  readonly #memory: GenerationMemory;
  readonly #maxVersions: number;
  readonly #backups: number;
  readonly #insecureOk: boolean;
  readonly #fileMode: number;
  #source: KeySource | null | undefined;
  readonly #derived = new Map<string, DerivedKeys>();
  #cache: { stamp: string; loaded: Loaded } | undefined;
  #pending: { stamp: string; promise: Promise<Loaded | null> } | undefined;
  #queue: QueuedWrite[] = [];
  #draining = false;
  readonly #counters = {
    reads: 0,
    writes: 0,
    fileReads: 0,
    fileWrites: 0,
    cacheHits: 0,
    decryptions: 0,
    keyDerivations: 0,
  };

  constructor(options: LocalProviderOptions = {}) {
    this.#options = options;
    const root = options.root ?? process.cwd();
    const at = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
    this.name = options.name ?? 'local';
    this.path = at(options.path ?? options.storePath ?? '.hush/secrets.enc.json');
    this.keyFile = at(options.keyFile ?? '.hush/master.key');
    const statePath =
      options.statePath === undefined ? join(dirname(this.path), 'state.json') : options.statePath;
    this.#memory = new GenerationMemory(statePath === false ? false : at(statePath));
    this.#maxVersions = options.maxVersions ?? 10;
    this.#backups = options.backups ?? 5;
    this.#insecureOk = options.allowInsecurePermissions === true;
    if (!Number.isInteger(this.#maxVersions) || this.#maxVersions < 1)
      throw new ConfigError('maxVersions must be an integer of at least 1');
    if (!Number.isInteger(this.#backups) || this.#backups < 0)
      throw new ConfigError('backups must be an integer of at least 0');
    this.#fileMode = checkFileMode(options.fileMode ?? 0o600, this.#insecureOk);
  }

  /** Resolves the key and, when the store exists, verifies key, MAC and generation up front. */
  async initialize(): Promise<void> {
    await this.#keySource();
    const loaded = await this.#load();
    if (!loaded && this.#options.createIfMissing === false) throw this.#missing();
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    validateSecretName(key);
    this.#counters.reads++;
    const loaded = await this.#load();
    return loaded ? this.#read(loaded, key, options.version) : null;
  }

  async getMany(keys: string[]): Promise<Map<string, Secret | null>> {
    for (const key of keys) validateSecretName(key);
    this.#counters.reads += keys.length;
    const loaded = await this.#load();
    return new Map(keys.map((key) => [key, loaded ? this.#read(loaded, key) : null]));
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const loaded = await this.#load();
    if (!loaded) return [];
    const prefix = options.prefix ?? '';
    return Object.keys(loaded.doc.secrets)
      .filter((name) => name.startsWith(prefix))
      .sort()
      .map((name) => {
        const secret = this.#entry(loaded.doc, name)!;
        return this.#info(name, secret, currentVersion(secret));
      });
  }

  async listVersions(key: string): Promise<SecretVersion[]> {
    validateSecretName(key);
    const loaded = await this.#load();
    const secret = loaded ? this.#entry(loaded.doc, key) : undefined;
    if (!secret) return [];
    const current = currentVersion(secret);
    const now = Date.now();
    return versionNumbers(secret)
      .reverse()
      .map((n) => {
        const v = secret.versions[String(n)]!;
        const state = n !== current && isPast(v.expiresAt, now) ? 'disabled' : 'enabled';
        return {
          version: String(n),
          createdAt: new Date(v.createdAt),
          ...(v.expiresAt ? { expiresAt: new Date(v.expiresAt) } : {}),
          current: n === current,
          state,
        };
      });
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    validateSecretName(key);
    if (typeof value !== 'string') throw new ValidationError(`the value of '${key}' must be a string`);
    this.#counters.writes++;
    return this.#enqueue((tx) => {
      checkExpected(tx.doc, key, options.expectedVersion);
      return this.#applySet(tx, key, value, options);
    });
  }

  /** Bulk import: every entry in one locked read-modify-write (one file write). All or nothing. */
  async setMany(entries: BulkEntry[] | Record<string, string>): Promise<SecretInfo[]> {
    const list: BulkEntry[] = Array.isArray(entries)
      ? entries
      : Object.entries(entries).map(([key, value]) => ({ key, value }));
    for (const entry of list) {
      validateSecretName(entry.key);
      if (typeof entry.value !== 'string')
        throw new ValidationError(`the value of '${entry.key}' must be a string`);
    }
    this.#counters.writes += list.length;
    return this.#enqueue((tx) => {
      for (const entry of list) checkExpected(tx.doc, entry.key, entry.options?.expectedVersion);
      return list.map((entry) => this.#applySet(tx, entry.key, entry.value, entry.options ?? {}));
    });
  }

  /** Removes the secret and every version (there is no soft delete; a backup is taken first). */
  async delete(key: string): Promise<boolean> {
    validateSecretName(key);
    this.#counters.writes++;
    return this.#enqueue((tx) => {
      if (!this.#entry(tx.doc, key)) return false;
      delete tx.doc.secrets[key];
      tx.changed = true;
      tx.destructive = true;
      return true;
    });
  }

  /**
   * Destroys one older version for good: its ciphertext is removed from the file (a backup of the
   * previous file is taken first). The current version cannot be destroyed (set a new value first,
   * or delete the secret): removing it would silently make an older value current.
   * Returns false when the secret or the version does not exist.
   */
  async destroyVersion(key: string, version: string): Promise<boolean> {
    validateSecretName(key);
    this.#counters.writes++;
    return this.#enqueue((tx) => {
      const existing = this.#entry(tx.doc, key);
      if (!existing || !Object.hasOwn(existing.versions, version)) return false;
      if (String(currentVersion(existing)) === version) {
        throw new ValidationError(
          `version ${version} of '${key}' is the current version and cannot be destroyed; set a new value first, or delete the secret`,
        );
      }
      // A new object, never an edit in place: untouched entries keep their cached serialisation.
      const versions = { ...existing.versions };
      delete versions[version];
      tx.doc.secrets[key] = { ...existing, versions };
      tx.changed = true;
      tx.destructive = true;
      return true;
    });
  }

  /** Native rollback: writes the old version's value as a new current version. */
  async rollback(key: string, version: string): Promise<SecretInfo> {
    validateSecretName(key);
    this.#counters.writes++;
    return this.#enqueue((tx) => {
      const secret = this.#entry(tx.doc, key);
      const old = secret && Object.hasOwn(secret.versions, version) ? secret.versions[version] : undefined;
      if (!secret || !old) throw new SecretNotFoundError(key, { version, provider: this.name });
      const value = this.#decrypt(tx.doc.storeId, tx.keys, key, version, old);
      return this.#applySet(tx, key, value, {});
    });
  }

  /**
   * Re-encrypts every version under a new master key or passphrase (new salt, new IVs) in one
   * atomic write, after a backup. Store the new key somewhere safe BEFORE calling this: the old
   * key stops opening the store as soon as it returns.
   */
  async rekey(newKey: NewKey): Promise<void> {
    const source: KeySource =
      'masterKey' in newKey
        ? { kind: 'master-key', key: parseMasterKey(newKey.masterKey, 'rekey') }
        : passphraseSource(newKey.passphrase, newKey);
    if (source.kind === 'passphrase' && source.passphrase.length === 0)
      throw new ConfigError('the new passphrase is empty');
    const kdf = newKdfParams(source);
    const keys = await deriveKeys(source, kdf);
    await this.#enqueue((tx) => {
      const { doc } = tx;
      const reencrypted = new Map<string, StoredSecret>();
      for (const name of Object.keys(doc.secrets)) {
        const secret = this.#entry(doc, name)!;
        const versions: Record<string, StoredVersion> = {};
        for (const [n, v] of Object.entries(secret.versions)) {
          const value = this.#decrypt(doc.storeId, tx.keys, name, n, v);
          versions[n] = { ...v, ...encryptValue(keys.encryption, doc.storeId, name, n, value) };
        }
        reencrypted.set(name, { ...secret, versions });
      }
      for (const [name, secret] of reencrypted) doc.secrets[name] = secret;
      doc.kdf = kdf;
      doc.keyCheck = keyCheckValue(keys, doc.storeId, kdf);
      tx.keys = keys;
      tx.source = source;
      tx.changed = true;
      tx.destructive = true;
    });
  }

  /**
   * Accepts the file as it is now and signs it again: the explicit step after a git merge (or a
   * restored backup) made the file MAC or generation check fail. Every version must still
   * decrypt under the key (so nothing forged is accepted); entries' ciphertexts are unchanged.
   */
  async reseal(): Promise<ResealResult> {
    await ensurePrivateDir(dirname(this.path));
    return withStoreLock(this.path, this.#lockOptions(), async (assertHeld) => {
      await removeLeftoverTemps(this.path);
      const snapshot = await readSnapshot(this.path);
      if (!snapshot) throw new ConfigError(`store ${this.path} does not exist; nothing to reseal`);
      assertPrivate(this.path, snapshot.mode, 'store', this.#insecureOk);
      const doc = parseStore(snapshot.text, this.path);
      const source = await this.#requireKeySource();
      const keys = await this.#keysFor(doc, source);
      let versions = 0;
      for (const [name, secret] of Object.entries(doc.secrets)) {
        validateSecretName(name);
        checkEntry(name, secret, this.path);
        for (const [n, v] of Object.entries(secret.versions)) {
          this.#decrypt(doc.storeId, keys, name, n, v);
          versions++;
        }
      }
      const highest = await this.#memory.highest(doc.storeId);
      doc.generation = Math.max(doc.generation, highest);
      const backup = await backupStore(this.path, snapshot.text, this.#backups, this.#fileMode);
      await this.#write(doc, keys, assertHeld);
      return {
        secrets: Object.keys(doc.secrets).length,
        versions,
        generation: doc.generation,
        ...(backup ? { backup } : {}),
      };
    });
  }

  async health(): Promise<ProviderHealth> {
    try {
      const loaded = await this.#load();
      if (!loaded) return { status: 'healthy', message: `store ${this.path} not created yet` };
      return {
        status: 'healthy',
        details: { secrets: Object.keys(loaded.doc.secrets).length, generation: loaded.doc.generation },
      };
    } catch (error) {
      return { status: 'unhealthy', message: (error as Error).message };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }

  async dispose(): Promise<void> {
    this.#cache = undefined;
    this.#derived.clear();
  }

  // ---- reading ----

  #read(loaded: Loaded, key: string, version?: string): Secret | null {
    const secret = this.#entry(loaded.doc, key);
    if (!secret) return null;
    const current = currentVersion(secret);
    const n = version === undefined ? current : /^[1-9][0-9]*$/.test(version) ? Number(version) : undefined;
    const stored = n === undefined ? undefined : secret.versions[String(n)];
    if (!stored) return null;
    // Versions expired by a rotation (expireOldVersion) are no longer served; the current one is, with its expiry.
    if (n !== current && isPast(stored.expiresAt, Date.now())) return null;
    const value = this.#decrypt(loaded.doc.storeId, loaded.keys, key, String(n), stored);
    return createSecret({ ...this.#info(key, secret, n!), value });
  }

  /** An entry by name, shape-checked (entries are checked when used, not all at load). */
  #entry(doc: StoreDocument, name: string): StoredSecret | undefined {
    if (!Object.hasOwn(doc.secrets, name)) return undefined;
    const secret = doc.secrets[name]!;
    checkEntry(name, secret, this.path);
    return secret;
  }

  #info(key: string, secret: StoredSecret, n: number): SecretInfo {
    const v = secret.versions[String(n)]!;
    return {
      key,
      version: String(n),
      createdAt: new Date(secret.createdAt),
      updatedAt: new Date(v.createdAt),
      ...(v.expiresAt ? { expiresAt: new Date(v.expiresAt) } : {}),
      metadata: { ...(secret.metadata ?? {}) },
      tags: { ...(secret.tags ?? {}) },
      provider: this.name,
      ...(secret.scope !== undefined ? { scope: secret.scope } : {}),
    };
  }

  #decrypt(storeId: string, keys: DerivedKeys, name: string, version: string, stored: StoredVersion): string {
    this.#counters.decryptions++;
    const value = decryptValue(keys.encryption, storeId, name, version, stored);
    if (value === null) {
      throw new IntegrityError(
        `secret '${name}' version ${version} in ${this.path} failed authentication: its ciphertext, IV or tag was altered, truncated, or moved from another entry`,
        name,
        { hint: `restore a backup from ${join(dirname(this.path), 'backups')}` },
      );
    }
    return value;
  }

  /** The verified store, re-read only when the file changed (stat stamp). Null when absent. */
  async #load(): Promise<Loaded | null> {
    const stamp = await statStamp(this.path);
    if (stamp === null) {
      this.#cache = undefined;
      return null;
    }
    if (this.#cache && this.#cache.stamp === stamp) {
      this.#counters.cacheHits++;
      return this.#cache.loaded;
    }
    // Concurrent cold reads of the same file share one parse and verification.
    if (this.#pending?.stamp === stamp) return this.#pending.promise;
    const promise = (async () => {
      const snapshot = await readSnapshot(this.path);
      if (!snapshot) return null;
      this.#counters.fileReads++;
      const loaded = await this.#verify(snapshot);
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

  async #verify(snapshot: FileSnapshot): Promise<Loaded> {
    assertPrivate(this.path, snapshot.mode, 'store', this.#insecureOk);
    const doc = parseStore(snapshot.text, this.path);
    const keys = await this.#keysFor(doc, await this.#requireKeySource());
    if (!verifyFileMac(snapshot.text, doc, keys.mac)) {
      // Only on failure: find an entry whose ciphertext no longer authenticates, to name it.
      for (const [name, secret] of Object.entries(doc.secrets)) {
        checkEntry(name, secret, this.path);
        for (const [n, v] of Object.entries(secret.versions)) this.#decrypt(doc.storeId, keys, name, n, v);
      }
      throw new IntegrityError(
        `store ${this.path} failed its integrity check (file MAC): entries were added, removed, rolled back or edited outside hush`,
        undefined,
        {
          hint: 'if this follows a git merge or a restored backup you trust, run `hush reseal`; otherwise restore a backup',
        },
      );
    }
    const highest = await this.#memory.highest(doc.storeId);
    if (doc.generation < highest) {
      throw new IntegrityError(
        `store ${this.path} is generation ${doc.generation}, older than generation ${highest} already seen here: an older copy of the file was put back (replay or rollback)`,
        undefined,
        { hint: 'if you restored it on purpose, run `hush reseal` to accept it' },
      );
    }
    await this.#memory.record(doc.storeId, doc.generation);
    return { doc, keys };
  }

  async #keySource(): Promise<KeySource | null> {
    if (this.#source === undefined) {
      const options: KeyOptions = {
        keyFile: this.keyFile,
        env: this.#options.env ?? process.env,
        allowInsecurePermissions: this.#insecureOk,
        ...(this.#options.masterKey !== undefined ? { masterKey: this.#options.masterKey } : {}),
        ...(this.#options.passphrase !== undefined ? { passphrase: this.#options.passphrase } : {}),
        ...(this.#options.scrypt ? { scrypt: this.#options.scrypt } : {}),
        ...(this.#options.pbkdf2 ? { pbkdf2: this.#options.pbkdf2 } : {}),
      };
      this.#source = await resolveKeySource(options);
    }
    return this.#source;
  }

  async #requireKeySource(): Promise<KeySource> {
    const source = await this.#keySource();
    if (!source) {
      throw new ConfigError(`no master key for store ${this.path}`, {
        hint: `set HUSH_MASTER_KEY, pass masterKey or passphrase, or create ${this.keyFile} with \`hush init\``,
      });
    }
    return source;
  }

  /** Derives (once per salt) and checks the key against the store's key check value. */
  async #keysFor(doc: StoreDocument, source: KeySource): Promise<DerivedKeys> {
    const id = `${source.kind}:${JSON.stringify(doc.kdf)}`;
    let keys = source === this.#source ? this.#derived.get(id) : undefined;
    if (!keys) {
      try {
        keys = await deriveKeys(source, doc.kdf);
        this.#counters.keyDerivations++;
      } catch (error) {
        if (error instanceof KdfMismatch)
          throw new ConfigError(`cannot open store ${this.path}: ${error.message}`);
        throw error;
      }
    }
    if (!equalBase64(doc.keyCheck, keyCheckValue(keys, doc.storeId, doc.kdf))) {
      const passphrase = source.kind === 'passphrase';
      throw new ConfigError(
        `wrong ${passphrase ? 'passphrase' : 'master key'} for store ${this.path}: the key check does not match`,
        {
          hint: passphrase
            ? 'use the passphrase the store was created (or last rekeyed) with'
            : 'use the key the store was created (or last rekeyed) with; HUSH_MASTER_KEY wins over .hush/master.key',
        },
      );
    }
    if (source === this.#source) this.#derived.set(id, keys);
    return keys;
  }

  // ---- writing ----

  #applySet(tx: Transaction, key: string, value: string, options: ProviderSetOptions): SecretInfo {
    const { doc, now } = tx;
    const at = now.toISOString();
    const existing = this.#entry(doc, key);
    const n = existing ? currentVersion(existing) + 1 : 1;
    const version: StoredVersion = {
      createdAt: at,
      ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
      ...encryptValue(tx.keys.encryption, doc.storeId, key, String(n), value),
    };
    // A new object, never an edit in place: untouched entries keep their cached serialisation.
    const secret: StoredSecret = existing
      ? { ...existing, versions: { ...existing.versions } }
      : { createdAt: at, versions: {} };
    if (options.expirePreviousVersions) {
      for (const [old, v] of Object.entries(secret.versions))
        if (!isPast(v.expiresAt, now.getTime())) secret.versions[old] = { ...v, expiresAt: at };
    }
    if (options.tags !== undefined) secret.tags = { ...options.tags };
    if (options.metadata !== undefined) secret.metadata = { ...options.metadata };
    if (options.scope !== undefined) secret.scope = options.scope;
    secret.versions[String(n)] = version;
    const numbers = versionNumbers(secret);
    for (const old of numbers.slice(0, Math.max(0, numbers.length - this.#maxVersions)))
      delete secret.versions[String(old)];
    doc.secrets[key] = secret;
    tx.changed = true;
    return this.#info(key, secret, n);
  }

  /**
   * Queues a change. Changes queued while a write is in flight are applied together in the
   * next locked read-modify-write, so concurrent callers in one process share one file write.
   * Each change resolves only after the file holding it is renamed into place and fsynced.
   */
  #enqueue<T>(apply: (tx: Transaction) => T): Promise<T> {
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
        const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
        try {
          await this.#transaction(batch, outcomes);
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

  async #transaction(
    batch: QueuedWrite[],
    outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>,
  ): Promise<void> {
    await ensurePrivateDir(dirname(this.path));
    await withStoreLock(this.path, this.#lockOptions(), async (assertHeld) => {
      await removeLeftoverTemps(this.path);
      const source = await this.#requireKeySource();
      // Unchanged since this process last read or wrote it: no need to read 10,000 entries again.
      const stamp = await statStamp(this.path);
      const cached = stamp !== null && this.#cache?.stamp === stamp ? this.#cache : undefined;
      const snapshot = cached ? undefined : await readSnapshot(this.path);
      const exists = cached !== undefined || snapshot !== null;
      let loaded: Loaded;
      if (cached) {
        loaded = cached.loaded;
      } else if (snapshot) {
        loaded = await this.#verify(snapshot);
      } else {
        if (this.#options.createIfMissing === false) throw this.#missing();
        await ensureHushGitignore(dirname(this.path));
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
        loaded = { doc, keys };
      }
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
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: item.apply(tx) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      if (!tx.changed) {
        if (exists) this.#cache = { stamp: snapshot?.stamp ?? stamp!, loaded };
        return;
      }
      if (tx.destructive && exists) {
        const previous = snapshot?.text ?? (await fs.readFile(this.path, 'utf8'));
        await backupStore(this.path, previous, this.#backups, this.#fileMode);
      }
      await this.#write(tx.doc, tx.keys, assertHeld);
      if (tx.source !== source) {
        this.#source = tx.source;
        this.#derived.clear();
      }
    });
  }

  /** Bumps the generation, signs, writes atomically, remembers the generation. Under the lock. */
  async #write(doc: StoreDocument, keys: DerivedKeys, assertHeld: () => void): Promise<void> {
    doc.generation += 1;
    const { text, mac } = serializeSigned(doc, keys.mac);
    doc.mac = mac;
    await writeFileAtomic(this.path, text, assertHeld, this.#fileMode);
    this.#counters.fileWrites++;
    await this.#memory.record(doc.storeId, doc.generation);
    const stamp = await statStamp(this.path);
    this.#cache = stamp ? { stamp, loaded: { doc, keys } } : undefined;
  }

  #missing(): ConfigError {
    return new ConfigError(`store ${this.path} does not exist (createIfMissing is false)`, {
      hint: 'create it with `hush init`, or drop createIfMissing: false',
    });
  }

  #lockOptions() {
    return {
      staleMs: this.#options.lockStaleMs ?? DEFAULT_LOCK.staleMs,
      timeoutMs: this.#options.lockTimeoutMs ?? DEFAULT_LOCK.timeoutMs,
    };
  }
}

/** `fileMode` must keep the owner's read access and, unless overridden, give nobody else any. */
function checkFileMode(mode: number, insecureOk: boolean): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o400) === 0)
    throw new ConfigError('fileMode must be a file mode such as 0o600 that the owner can read');
  if ((mode & 0o077) !== 0 && !insecureOk) {
    throw new ConfigError(
      `fileMode 0${mode.toString(8)} gives group or others access to the store; refusing it`,
      { hint: 'use 0o600 (or set allowInsecurePermissions: true to override)' },
    );
  }
  return mode;
}

function currentVersion(secret: StoredSecret): number {
  const numbers = versionNumbers(secret);
  return numbers[numbers.length - 1]!;
}

function isPast(iso: string | undefined, now: number): boolean {
  return iso !== undefined && new Date(iso).getTime() <= now;
}

function checkExpected(doc: StoreDocument, key: string, expected: string | undefined): void {
  if (expected === undefined) return;
  const secret = doc.secrets[key];
  const current = secret ? String(currentVersion(secret)) : '0';
  if (current !== expected) throw new VersionConflictError(key);
}
