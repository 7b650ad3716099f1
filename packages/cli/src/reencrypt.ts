import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { ProviderConfig } from '@hush/core';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { type LocalStore, type NewLocalKey, otherLocalStores } from './local.js';
import { spinner } from './util.js';

// Re-encrypting local stores for `hush rekey`: which stores share a key or passphrase, rekeying
// them all or putting them back, and the record of the new key in the audit log.

export const show = (cli: Cli, path: string): string => relative(cli.cwd, path) || path;

/** Runs provider-local's rekey with a status line on a terminal (it is one atomic write per store). */
export async function reencrypt(cli: Cli, store: LocalStore, key: NewLocalKey) {
  const status = spinner(cli, `re-encrypting ${show(cli, store.path)}`);
  try {
    await store.rekey(key);
  } finally {
    status.stop();
  }
}

export interface Sharing {
  store: LocalStore;
  spec: ProviderConfig;
}

/**
 * The store and every other local store of the configuration that shares its key or passphrase
 * (`shares`) and exists. One the secret does not open (another key, e.g. prod's from CI) is not
 * sharing it: it is left as it is, with a warning.
 */
export async function sharingStores(
  cli: Cli,
  store: LocalStore,
  spec: ProviderConfig,
  shares: (other: ProviderConfig, instance: LocalStore) => boolean,
): Promise<Sharing[]> {
  const sharing: Sharing[] = [{ store, spec }];
  for (const other of await otherLocalStores(cli, store.path, (s) => s.kind === 'local')) {
    if (existsSync(other.store.path) && shares(other.spec, other.store)) {
      const problem = await other.store.list().then(
        () => undefined,
        (error: Error) => error.message,
      );
      if (problem === undefined) {
        sharing.push(other);
        continue;
      }
      cli.warn(`left ${show(cli, other.store.path)} as it is: ${cli.mask(problem)}`);
    }
    await other.store.dispose?.();
  }
  return sharing;
}

/**
 * Rekeys each store in turn. Each store's rekey is atomic, the set is not: when one fails, the
 * stores already done are put back under the old secret, so that one secret still opens them
 * all, and the new one is discarded. Should that fail too, the new one is kept and the error says where.
 */
export async function reencryptAll(
  cli: Cli,
  stores: Sharing[],
  newKey: (s: Sharing) => NewLocalKey,
  oldKey: (s: Sharing) => NewLocalKey,
  newKeyOnFailure: { discard(): Promise<void>; keep(): string },
): Promise<void> {
  const done: Sharing[] = [];
  try {
    for (const s of stores) {
      await reencrypt(cli, s.store, newKey(s));
      done.push(s);
    }
  } catch (error) {
    const stuck: string[] = [];
    for (const s of done) await s.store.rekey(oldKey(s)).catch(() => stuck.push(show(cli, s.store.path)));
    if (stuck.length === 0) {
      await newKeyOnFailure.discard();
      throw error;
    }
    throw new CliError(
      `rekey failed (${cli.mask((error as Error).message)}) and ${stuck.join(', ')} could not be put back`,
      1,
      `they are encrypted under the new key or passphrase: ${newKeyOnFailure.keep()}; keep it until they are rekeyed again`,
    );
  }
}

/**
 * With audit enabled, the key lifecycle (seed 000's encryption_keys table) records the new key of
 * each store as active and retires the one recorded before: ids and dates, never key material.
 */
export async function recordRekey(cli: Cli, stores: LocalStore[], protection: 'master-key' | 'passphrase') {
  if (!(await cli.settings()).audit?.enabled) return;
  // The stores are rekeyed already: a failure here must not stop the new key from being put in place.
  try {
    await recordKeys(cli, stores, protection);
  } catch (error) {
    cli.warn(`the new key could not be recorded in the audit log: ${cli.mask((error as Error).message)}`);
  }
}

async function recordKeys(cli: Cli, stores: LocalStore[], protection: 'master-key' | 'passphrase') {
  const log = await cli.auditLog();
  const now = new Date();
  const known = await log.keys();
  for (const store of stores) {
    for (const previous of known)
      if (previous.status === 'active' && previous.metadata?.store === store.path)
        await log.recordKey({ ...previous, status: 'retired', rotatedAt: now, retiredAt: now });
    await log.recordKey({
      id: `${store.name}:${show(cli, store.path)}:${now.toISOString()}`,
      provider: store.name,
      algorithm: protection === 'passphrase' ? 'aes-256-gcm/scrypt' : 'aes-256-gcm/hkdf-sha256',
      status: 'active',
      createdAt: now,
      activatedAt: now,
      metadata: { store: store.path, protection, by: cli.accessor },
    });
  }
}
