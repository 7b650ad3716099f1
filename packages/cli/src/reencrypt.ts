import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { ProviderConfig } from '@hush/core';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { type LocalStore, type NewLocalKey, otherLocalStores } from './local.js';
import { spinner } from './util.js';

// Re-encrypting local stores for `hush rekey`: which stores share a key or passphrase and which of
// them the new one opens already (a rekey that was interrupted), rekeying the others or putting
// them back, and the record of the new key in the audit log.

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
  /** True when the new key or passphrase opens it already: an earlier rekey switched it. */
  switched: boolean;
}

/**
 * The store and every other local store of the configuration that shares its key or passphrase
 * (`shares`) and exists, each marked with whether the new secret opens it already. One that
 * neither the old nor the new secret opens (another key, e.g. prod's from CI) is not sharing it:
 * it is left as it is, with a warning.
 */
export async function sharingStores(
  cli: Cli,
  store: LocalStore,
  spec: ProviderConfig,
  shares: (other: ProviderConfig, instance: LocalStore) => boolean,
  keys: { old: (s: ProviderConfig) => NewLocalKey; new?: NewLocalKey },
): Promise<Sharing[]> {
  const first = await keyState(store, spec, keys);
  if (first === 'neither') {
    throw new CliError(
      `${show(cli, store.path)} does not open with the current key${keys.new ? ' nor with the new one' : ''}; nothing changed`,
    );
  }
  const sharing: Sharing[] = [{ store, spec, switched: first === 'new' }];
  for (const other of await otherLocalStores(cli, store.path, (s) => s.kind === 'local')) {
    if (existsSync(other.store.path) && shares(other.spec, other.store)) {
      const state = await keyState(other.store, other.spec, keys).catch((error: Error) => error);
      if (typeof state === 'string' && state !== 'neither') {
        sharing.push({ ...other, switched: state === 'new' });
        continue;
      }
      const why =
        typeof state === 'string'
          ? `wrong ${'passphrase' in keys.old(other.spec) ? 'passphrase' : 'master key'}`
          : cli.mask(state.message);
      cli.warn(`left ${show(cli, other.store.path)} as it is: ${why}`);
    }
    await other.store.dispose?.();
  }
  return sharing;
}

async function keyState(
  store: LocalStore,
  spec: ProviderConfig,
  keys: { old: (s: ProviderConfig) => NewLocalKey; new?: NewLocalKey },
): Promise<'old' | 'new' | 'neither'> {
  if (keys.new && (await store.opensWith(keys.new))) return 'new';
  // A store not created yet (null) is rekeyed as one under the old key: its first write uses the new.
  if ((await store.opensWith(keys.old(spec))) !== false) return 'old';
  return 'neither';
}

/**
 * Rekeys each store not yet switched, in turn. Each store's rekey is atomic, the set is not: when
 * one fails, the stores switched by this run are put back under the old secret, so that one secret
 * still opens them all. Should that fail too, or should an earlier run have switched some already,
 * the new secret is kept (never discarded while a store depends on it) and the error says where.
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
      if (s.switched) continue;
      await reencrypt(cli, s.store, newKey(s));
      done.push(s);
    }
  } catch (error) {
    const stuck: string[] = stores.filter((s) => s.switched).map((s) => show(cli, s.store.path));
    for (const s of done) await s.store.rekey(oldKey(s)).catch(() => stuck.push(show(cli, s.store.path)));
    if (stuck.length === 0) {
      await newKeyOnFailure.discard();
      throw error;
    }
    throw new CliError(
      `rekey failed (${cli.mask((error as Error).message)}) and ${stuck.join(', ')} ${stuck.length === 1 ? 'is' : 'are'} under the new key or passphrase`,
      1,
      `${newKeyOnFailure.keep()}; keep it, and run \`hush rekey\` again to finish`,
    );
  }
}

/**
 * With audit enabled, the key lifecycle (the encryption_keys table) records the new key of
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
