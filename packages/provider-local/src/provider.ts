import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  ConfigError,
  createSecret,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  SecretNotFoundError,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  validateSecretName,
  validateSecretValue,
} from '@hush/core';
import type { DerivedKeys } from './crypto.js';
import { readSnapshot } from './disk.js';
import {
  checkExpected,
  currentVersion,
  infoOf,
  isPast,
  requestedVersion,
  versionsOf,
  withNewVersion,
} from './entries.js';
import { KeyRing } from './keyring.js';
import { emptyColumns, type ListingColumns } from './listing.js';
import type { ListingSpans } from './listing-spans.js';
import { DEFAULT_LOCK } from './lock.js';
import {
  type BulkEntry,
  checkFileMode,
  type LocalProviderOptions,
  type NewKey,
  OPTION_NAMES,
  type ResealResult,
} from './options.js';
import { callbackReads, type FileReads, syncReads } from './read-files.js';
import { newKeySource, newStoreKeys, reencrypt } from './rekey.js';
import { GenerationMemory } from './state.js';
import { StoreAccess, type Transaction } from './store.js';
import { parseStore, type StoredSecret } from './store-file.js';
import { readLayout } from './store-lines.js';

export type { BulkEntry, LocalProviderOptions, NewKey, ResealResult } from './options.js';

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
  /** A file on this machine: offline mode reads it, and the persistent cache never copies it. */
  readonly offline = true;
  readonly name: string;
  readonly capabilities = CAPABILITIES;
  readonly path: string;
  readonly keyFile: string;

  readonly #options: LocalProviderOptions;
  readonly #store: StoreAccess;
  readonly #maxVersions: number;
  readonly #counters = { reads: 0, writes: 0 };
  readonly #reads: FileReads;
  readonly #now: () => number;

  constructor(options: LocalProviderOptions = {}) {
    refuseUnknownOptions(options, OPTION_NAMES, 'local provider', 'config');
    this.#options = options;
    const root = options.root ?? process.cwd();
    const at = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
    this.name = options.name ?? 'local';
    this.path = at(options.path ?? options.storePath ?? '.hush/secrets.enc.json');
    this.keyFile = at(options.keyFile ?? '.hush/master.key');
    const statePath =
      options.statePath === undefined ? join(dirname(this.path), 'state.json') : options.statePath;
    this.#maxVersions = options.maxVersions ?? 10;
    const backups = options.backups ?? 5;
    const insecureOk = options.allowInsecurePermissions === true;
    if (!Number.isInteger(this.#maxVersions) || this.#maxVersions < 1)
      throw new ConfigError('maxVersions must be an integer of at least 1');
    if (!Number.isInteger(backups) || backups < 0)
      throw new ConfigError('backups must be an integer of at least 0');
    if (options.syncReads !== undefined && typeof options.syncReads !== 'boolean')
      throw new ConfigError('syncReads must be true or false');
    this.#reads = options.syncReads === true ? syncReads : callbackReads;
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new ConfigError('now must be a function');
    this.#now = options.now ?? Date.now;
    const lock = {
      staleMs: options.lockStaleMs ?? DEFAULT_LOCK.staleMs,
      timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK.timeoutMs,
    };
    const keys = new KeyRing({
      storePath: this.path,
      keyFile: this.keyFile,
      env: options.env ?? process.env,
      allowInsecurePermissions: insecureOk,
      lock,
      reads: this.#reads,
      createKey: options.createKeyIfMissing !== false && options.createIfMissing !== false,
      ...(options.masterKey !== undefined ? { masterKey: options.masterKey } : {}),
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      ...(options.scrypt ? { scrypt: options.scrypt } : {}),
      ...(options.pbkdf2 ? { pbkdf2: options.pbkdf2 } : {}),
    });
    this.#store = new StoreAccess({
      path: this.path,
      keyFile: this.keyFile,
      keys,
      memory: new GenerationMemory(statePath === false ? false : at(statePath), this.#reads),
      lock,
      insecureOk,
      fileMode: checkFileMode(options.fileMode ?? 0o600, insecureOk),
      backups,
      createIfMissing: options.createIfMissing !== false,
      reads: this.#reads,
      now: this.#now,
    });
  }

  /** True once a write created the key file for a new store (`createKeyIfMissing`). */
  get createdKeyFile(): boolean {
    return this.#store.keys.createdKeyFile;
  }

  /** Resolves the key and, when the store exists, verifies key, MAC and generation up front. */
  async initialize(): Promise<void> {
    // The store is read while the key is; a key that cannot be read is still the error reported.
    const verified = this.#store.verify();
    verified.catch(() => {});
    await this.#store.keys.source();
    const exists = await verified;
    if (!exists && this.#options.createIfMissing === false) throw this.#store.missing();
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    this.#counters.reads++;
    const found = await this.#store.view();
    const secret = found?.view.entry(key);
    return secret ? this.#read(found!.view.header.storeId, found!.keys, key, secret, options.version) : null;
  }

  /**
   * `get` for a process that reads one secret and exits (a command line), with `syncReads` on: a
   * store in the layout hush writes is streamed through a small buffer, its MAC computed on the
   * way, instead of being read whole into memory, and nothing is kept, so every later read reads
   * the file again. The same answer and the same errors as `get`; without `syncReads`, it is `get`.
   */
  async getOnce(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    this.#counters.reads++;
    const found = await this.#store.readOne(key);
    return found?.secret ? this.#read(found.storeId, found.keys, key, found.secret, options.version) : null;
  }

  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    options.abortSignal?.throwIfAborted();
    for (const key of keys) validateSecretName(key);
    this.#counters.reads += keys.length;
    const found = await this.#store.view();
    return new Map(
      keys.map((key) => {
        const secret = found?.view.entry(key);
        return [key, secret ? this.#read(found!.view.header.storeId, found!.keys, key, secret) : null];
      }),
    );
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    options.abortSignal?.throwIfAborted();
    const found = await this.#store.view();
    if (!found) return [];
    return found.view.infos(this.name, options.prefix ?? '');
  }

  /**
   * The same listing as `list`, as columns of the table a listing is shown as: for a tool that
   * prints a large store, where a description and two dates per secret cost more than the rest.
   */
  async listColumns(options: ProviderListOptions = {}): Promise<ListingColumns> {
    options.abortSignal?.throwIfAborted();
    const found = await this.#store.view();
    if (!found) return emptyColumns();
    return found.view.columns(options.prefix ?? '');
  }

  /**
   * The same listing as places in the store file's own text (see `ListingSpans`), or undefined
   * for a listing that is not plain ASCII with one version and no tags per secret.
   */
  async listSpans(options: ProviderListOptions = {}): Promise<ListingSpans | undefined> {
    options.abortSignal?.throwIfAborted();
    return this.#store.readSpans(options.prefix ?? '');
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    const found = await this.#store.view();
    const secret = found?.view.entry(key);
    return secret ? versionsOf(secret, this.#now()) : [];
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    validateSecretValue(key, value);
    this.#counters.writes++;
    return this.#store.enqueue((tx) => {
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
      validateSecretValue(entry.key, entry.value);
    }
    this.#counters.writes += list.length;
    return this.#store.enqueue((tx) => {
      for (const entry of list) checkExpected(tx.doc, entry.key, entry.options?.expectedVersion);
      return list.map((entry) => this.#applySet(tx, entry.key, entry.value, entry.options ?? {}));
    });
  }

  /** Removes the secret and every version (there is no soft delete; a backup is taken first). */
  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    this.#counters.writes++;
    return this.#store.enqueue((tx) => {
      if (!this.#store.entry(tx.doc, key)) return false;
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
    return this.#store.enqueue((tx) => {
      const existing = this.#store.entry(tx.doc, key);
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
  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    this.#counters.writes++;
    return this.#store.enqueue((tx) => {
      const secret = this.#store.entry(tx.doc, key);
      const old = secret && Object.hasOwn(secret.versions, version) ? secret.versions[version] : undefined;
      if (!secret || !old) throw new SecretNotFoundError(key, { version, provider: this.name });
      const value = this.#store.decrypt(tx.doc.storeId, tx.keys, key, version, old);
      return this.#applySet(tx, key, value, {});
    });
  }

  /**
   * Re-encrypts every version under a new master key or passphrase (new salt, new IVs) in one
   * atomic write, after a backup. Store the new key somewhere safe BEFORE calling this: the old
   * key stops opening the store as soon as it returns.
   */
  async rekey(newKey: NewKey): Promise<void> {
    const next = await newStoreKeys(newKey);
    await this.#store.enqueue((tx) => reencrypt(tx, next, this.#store));
  }

  /**
   * Whether `key` opens the store (its key check; nothing is decrypted): what `hush rekey` asks of
   * each store to tell one already switched to the new key from one still under the old.
   * Null when the store does not exist.
   */
  async opensWith(key: NewKey): Promise<boolean | null> {
    const snapshot = await readSnapshot(this.path, this.#reads);
    if (!snapshot) return null;
    const header = readLayout(snapshot.bytes, this.path)?.header ?? parseStore(snapshot.text, this.path);
    return this.#store.keys.opens(header, newKeySource(key));
  }

  /**
   * Accepts the file as it is now and signs it again: the explicit step after a git merge (or a
   * restored backup) made the file MAC or generation check fail. Every version must still
   * decrypt under the key (so nothing forged is accepted); entries' ciphertexts are unchanged.
   */
  async reseal(): Promise<ResealResult> {
    return this.#store.reseal();
  }

  async health(): Promise<ProviderHealth> {
    try {
      const found = await this.#store.view();
      if (!found) return { status: 'healthy', message: `store ${this.path} not created yet` };
      return {
        status: 'healthy',
        details: {
          secrets: Object.keys(found.view.metas()).length,
          generation: found.view.header.generation,
        },
      };
    } catch (error) {
      return { status: 'unhealthy', message: (error as Error).message };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters, ...this.#store.counters, keyDerivations: this.#store.keys.derivations };
  }

  async dispose(): Promise<void> {
    this.#store.forget();
  }

  // ---- reading and writing ----

  #read(
    storeId: string,
    keys: DerivedKeys,
    key: string,
    secret: StoredSecret,
    version?: string,
  ): Secret | null {
    const n = requestedVersion(secret, version);
    const stored = n === undefined ? undefined : secret.versions[String(n)];
    if (!stored) return null;
    // Versions expired by a rotation (expireOldVersion) are no longer served; the current one is, with its expiry.
    if (n !== currentVersion(secret) && isPast(stored.expiresAt, this.#now())) return null;
    const value = this.#store.decrypt(storeId, keys, key, String(n), stored);
    return createSecret({ ...infoOf(this.name, key, secret, n!), value });
  }
  #applySet(tx: Transaction, key: string, value: string, options: ProviderSetOptions): SecretInfo {
    const { secret, version } = withNewVersion(tx.doc, this.#store.entry(tx.doc, key), key, value, options, {
      keys: tx.keys,
      now: tx.now,
      maxVersions: this.#maxVersions,
    });
    tx.doc.secrets[key] = secret;
    tx.changed = true;
    return infoOf(this.name, key, secret, version);
  }
}

/** Whether a provider (perhaps from another copy of this package) is a local store with its rekey and reseal. */
export function isLocalSecretProvider(value: unknown): value is LocalSecretProvider {
  const p = value as Partial<LocalSecretProvider> | null | undefined;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.kind === 'local' &&
    typeof p.path === 'string' &&
    typeof p.keyFile === 'string' &&
    typeof p.rekey === 'function' &&
    typeof p.reseal === 'function' &&
    typeof p.opensWith === 'function'
  );
}
