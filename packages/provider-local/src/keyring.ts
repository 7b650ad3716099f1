import { ConfigError, IntegrityError } from '@hush/core';
import {
  type DerivedKeys,
  deriveKeys,
  equalBase64,
  KdfMismatch,
  KdfOutOfBounds,
  type KeySource,
  keyCheckValue,
  type ScryptCost,
} from './crypto.js';
import { readKeyFileWith, resolveKeySource, writeKeyFile } from './keys.js';
import type { LockOptions } from './lock.js';
import type { FileReads } from './read-files.js';
import { pendingKeyFile, rekeyInProgress } from './rekey-lock.js';
import type { StoreHeader } from './store-file.js';

/** Where the key came from: an option of the provider, `HUSH_MASTER_KEY`, or the key file. */
type Origin = 'option' | 'env' | 'file';

export interface KeyRingOptions {
  storePath: string;
  keyFile: string;
  env: Record<string, string | undefined>;
  masterKey?: string | Uint8Array;
  passphrase?: string;
  scrypt?: ScryptCost;
  pbkdf2?: { iterations?: number };
  allowInsecurePermissions: boolean;
  lock: LockOptions;
  reads: FileReads;
  /** Create the key file for a new store when no key is given (see `createKeyIfMissing`). */
  createKey: boolean;
}

/**
 * The key did not open the store, and a retry may: another process is rekeying it (`wait`: wait
 * for its lock first), or it replaced the key file since this process read it.
 */
export class RetryWithNewKey extends Error {
  constructor(readonly wait: boolean) {
    super(wait ? 'a rekey is in progress' : 'the key file changed');
  }
}

/**
 * The key that opens a store: resolved once from the options, `HUSH_MASTER_KEY` or the key file,
 * stretched once per salt, and checked against the store's key check value. A key that does not
 * open the store is explained: a rekey in progress, a rekey left unfinished (the new key waits in
 * `<key file>.new`), or simply the wrong key.
 */
export class KeyRing {
  readonly #options: KeyRingOptions;
  #resolved: { source: KeySource; origin: Origin } | null | undefined;
  #resolving: Promise<KeySource | null> | undefined;
  readonly #derived = new Map<string, DerivedKeys>();
  derivations = 0;

  constructor(options: KeyRingOptions) {
    this.#options = options;
  }

  /** The key, resolved once; concurrent callers share one resolution (one read of the key file). */
  source(): Promise<KeySource | null> {
    if (this.#resolved !== undefined) return Promise.resolve(this.#resolved?.source ?? null);
    if (this.#resolving === undefined) {
      const resolving = this.#resolve().finally(() => {
        if (this.#resolving === resolving) this.#resolving = undefined;
      });
      this.#resolving = resolving;
    }
    return this.#resolving;
  }

  async #resolve(): Promise<KeySource | null> {
    const o = this.#options;
    const source = await resolveKeySource({
      keyFile: o.keyFile,
      env: o.env,
      allowInsecurePermissions: o.allowInsecurePermissions,
      reads: o.reads,
      ...(o.masterKey !== undefined ? { masterKey: o.masterKey } : {}),
      ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
      ...(o.scrypt ? { scrypt: o.scrypt } : {}),
      ...(o.pbkdf2 ? { pbkdf2: o.pbkdf2 } : {}),
    });
    const origin: Origin =
      o.masterKey !== undefined || o.passphrase !== undefined
        ? 'option'
        : o.env.HUSH_MASTER_KEY
          ? 'env'
          : 'file';
    this.#resolved = source ? { source, origin } : null;
    return source;
  }

  /** True once this key ring created the key file for a new store. */
  createdKeyFile = false;

  /** The key, or a ConfigError; for a store about to be created, a new key file when allowed. */
  async require(newStore = false): Promise<KeySource> {
    let source = await this.source();
    if (!source && newStore && this.#options.createKey) {
      await writeKeyFile(this.#options.keyFile);
      this.createdKeyFile = true;
      this.forget();
      source = await this.source();
    }
    if (!source) {
      throw new ConfigError(`no master key for store ${this.#options.storePath}`, {
        hint: `set HUSH_MASTER_KEY, pass masterKey or passphrase, or create ${this.#options.keyFile} with \`hush init\``,
      });
    }
    return source;
  }

  /** Resolve the key again on next use: another process may have replaced the key file. */
  forget(): void {
    this.#resolving = undefined;
    this.#resolved = undefined;
    this.#derived.clear();
  }

  /** After this provider rekeyed its store: the new key is the one to use. */
  adopt(source: KeySource): void {
    this.#resolving = undefined;
    this.#resolved = { source, origin: this.#resolved?.origin ?? 'option' };
    this.#derived.clear();
  }

  /** Derives (once per salt) and checks the key against the store's key check value. */
  async keysFor(doc: StoreHeader, source: KeySource): Promise<DerivedKeys> {
    const keys = await this.#derive(doc, source);
    if (!equalBase64(doc.keyCheck, keyCheckValue(keys, doc.storeId, doc.kdf)))
      return this.#wrongKey(doc, source);
    if (source === this.#resolved?.source) this.#derived.set(derivedId(doc, source), keys);
    return keys;
  }

  /** Whether `source` opens the store (key check only; the file MAC is checked on use). */
  async opens(doc: StoreHeader, source: KeySource): Promise<boolean> {
    try {
      const keys = await this.#derive(doc, source);
      return equalBase64(doc.keyCheck, keyCheckValue(keys, doc.storeId, doc.kdf));
    } catch (error) {
      if (error instanceof ConfigError) return false;
      throw error;
    }
  }

  async #derive(doc: StoreHeader, source: KeySource): Promise<DerivedKeys> {
    const path = this.#options.storePath;
    const cached = source === this.#resolved?.source ? this.#derived.get(derivedId(doc, source)) : undefined;
    if (cached) return cached;
    try {
      const keys = await deriveKeys(source, doc.kdf);
      this.derivations++;
      return keys;
    } catch (error) {
      if (error instanceof KdfMismatch) throw new ConfigError(`cannot open store ${path}: ${error.message}`);
      // Whatever the crypto library says about parameters the file asked for, the file is at fault;
      // its text (OpenSSL's) is not shown.
      throw new IntegrityError(
        `store ${path} asks for key-derivation parameters that cannot be used${error instanceof KdfOutOfBounds ? ` (${error.message})` : ''}; refusing to derive a key with them`,
        undefined,
        { hint: 'the kdf header was altered: restore a backup' },
      );
    }
  }

  async #wrongKey(doc: StoreHeader, source: KeySource): Promise<never> {
    const { storePath, keyFile, lock } = this.#options;
    const readKeyFile = (path: string) =>
      readKeyFileWith(path, this.#options.allowInsecurePermissions, this.#options.reads).catch(() => null);
    const origin = this.#resolved?.source === source ? this.#resolved.origin : 'option';
    if (origin === 'file' && source.kind === 'master-key') {
      const onDisk = await readKeyFile(keyFile);
      if (onDisk && !onDisk.equals(source.key)) {
        this.forget();
        throw new RetryWithNewKey(false);
      }
    }
    if (origin !== 'option') {
      const pending = pendingKeyFile(keyFile);
      const next = await readKeyFile(pending);
      if (next && (await this.opens(doc, { kind: 'master-key', key: next }))) {
        if (await rekeyInProgress(keyFile, lock.staleMs)) throw new RetryWithNewKey(true);
        // The rekey may be ending as we look (its lock released, its key file not yet read back):
        // give it a moment to show the new key file before calling the rekey unfinished.
        if (origin === 'file') {
          for (let look = 0; look < 25; look++) {
            const now = await readKeyFile(keyFile);
            if (now?.equals(next)) {
              this.forget();
              throw new RetryWithNewKey(false);
            }
            if (await rekeyInProgress(keyFile, lock.staleMs)) throw new RetryWithNewKey(true);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        throw new ConfigError(
          `store ${storePath} opens with the new key in ${pending}, not with ${origin === 'env' ? 'HUSH_MASTER_KEY' : keyFile}: a rekey is not finished`,
          {
            hint:
              origin === 'env'
                ? 'set HUSH_MASTER_KEY to the key in that file (the one `hush rekey` printed), or run `hush rekey` to finish the rekey'
                : 'run `hush rekey` to finish it',
          },
        );
      }
    }
    if (await rekeyInProgress(keyFile, lock.staleMs)) throw new RetryWithNewKey(true);
    const passphrase = source.kind === 'passphrase';
    throw new ConfigError(
      `wrong ${passphrase ? 'passphrase' : 'master key'} for store ${storePath}: the key check does not match`,
      {
        hint: passphrase
          ? 'use the passphrase the store was created (or last rekeyed) with'
          : 'use the key the store was created (or last rekeyed) with; HUSH_MASTER_KEY wins over .hush/master.key',
      },
    );
  }
}

function derivedId(doc: StoreHeader, source: KeySource): string {
  return `${source.kind}:${JSON.stringify(doc.kdf)}`;
}
