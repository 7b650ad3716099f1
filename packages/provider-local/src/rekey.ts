import { ConfigError } from '@hush/core';
import {
  type DerivedKeys,
  deriveKeys,
  encryptValue,
  type KdfParams,
  type KeySource,
  keyCheckValue,
  newKdfParams,
} from './crypto.js';
import { parseMasterKey, passphraseSource } from './keys.js';
import type { NewKey } from './options.js';
import type { StoreAccess, Transaction } from './store.js';
import type { StoredSecret, StoredVersion } from './store-file.js';

/** The key a rekey switches to: its source, new KDF parameters (a new salt) and the keys derived. */
export interface StoreKeys {
  source: KeySource;
  kdf: KdfParams;
  keys: DerivedKeys;
}

export async function newStoreKeys(newKey: NewKey): Promise<StoreKeys> {
  const source = newKeySource(newKey);
  const kdf = newKdfParams(source);
  return { source, kdf, keys: await deriveKeys(source, kdf) };
}

/**
 * Re-encrypts every version of the transaction's store under the new keys (new IVs), then
 * records the new KDF parameters and key check: one destructive change, backed up first.
 */
export function reencrypt(tx: Transaction, next: StoreKeys, store: StoreAccess): void {
  const { doc } = tx;
  const { keys, kdf, source } = next;
  const reencrypted = new Map<string, StoredSecret>();
  for (const name of Object.keys(doc.secrets)) {
    const secret = store.entry(doc, name)!;
    const versions: Record<string, StoredVersion> = {};
    for (const [n, v] of Object.entries(secret.versions)) {
      const value = store.decrypt(doc.storeId, tx.keys, name, n, v);
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
}

/** A master key or a passphrase given for a rekey (or to test whether it opens a store) as a key source. */
export function newKeySource(newKey: NewKey): KeySource {
  const source: KeySource =
    'masterKey' in newKey
      ? { kind: 'master-key', key: parseMasterKey(newKey.masterKey, 'rekey') }
      : passphraseSource(newKey.passphrase, newKey);
  if (source.kind === 'passphrase' && source.passphrase.length === 0)
    throw new ConfigError('the new passphrase is empty');
  return source;
}
