import { existsSync, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { ProviderConfig } from '@hush/core';
import type { Cli } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import {
  findLocalStore,
  type LocalStore,
  type NewLocalKey,
  requireStoreAdmin,
  usesSharedKey,
} from '../local.js';
import { recordRekey, reencrypt, reencryptAll, sharingStores, show } from '../reencrypt.js';
import { promptSecret, readValueFromStdin } from '../util.js';

interface RekeyOptions {
  provider?: string;
  passphrase?: boolean;
  masterKey?: boolean;
}

/** What opens the store now: its `passphrase` or `masterKey` option, HUSH_MASTER_KEY, or the key file. */
type Source = 'passphrase' | 'config' | 'env' | 'file';

/**
 * Re-encrypts the local store under a new secret: a new random master key (the default for a
 * store opened by a key), or a new passphrase (the default for a passphrase store; read from
 * stdin or asked twice on a terminal). `--master-key` / `--passphrase` move a store from one to
 * the other. A master key shared through the key file or HUSH_MASTER_KEY (as `hush init`'s dev,
 * staging and prod stores share `.hush/master.key`) is changed for every store that uses it, so
 * that no store is left under a key that no longer exists.
 */
export default async function rekey(cli: Cli, _args: unknown[], options: RekeyOptions): Promise<void> {
  if (options.passphrase && options.masterKey)
    throw new UsageError('give --passphrase or --master-key, not both');
  const { store, spec } = await findLocalStore(cli, options.provider);
  await requireStoreAdmin(cli, 'rekey');
  const source: Source =
    spec.options.passphrase !== undefined
      ? 'passphrase'
      : spec.options.masterKey !== undefined
        ? 'config'
        : process.env.HUSH_MASTER_KEY
          ? 'env'
          : 'file';
  const { pendingKeyFile } = await import('@hush/provider-local');
  // A key file missing beside a pending one is a rekey killed before this version's order of steps.
  if (source === 'file' && !existsSync(store.keyFile) && !existsSync(pendingKeyFile(store.keyFile)))
    throw new CliError(`no key file at ${store.keyFile}`, 1, 'run `hush init` first');
  const toPassphrase = options.passphrase || (source === 'passphrase' && !options.masterKey);
  const { withRekeyLock } = await import('@hush/provider-local');
  // Held to the end: another process that meets a store already under the new key waits for it.
  await withRekeyLock(store.keyFile, () =>
    toPassphrase ? rekeyToPassphrase(cli, store, spec, source) : rekeyToMasterKey(cli, store, spec, source),
  );
}

async function rekeyToPassphrase(cli: Cli, store: LocalStore, spec: ProviderConfig, source: Source) {
  const settings = await cli.settings();
  let stores = [store];
  if (source !== 'passphrase' && settings.embedded)
    throw new UsageError(
      'without a configuration file there is no place to give the store its passphrase',
      'run `hush init` (it writes hush.config.yaml), add the passphrase option there, then rekey',
    );
  const passphrase = await readNewPassphrase(cli);
  (await cli.manager()).masker.add(passphrase);
  if (source !== 'passphrase') {
    await reencrypt(cli, store, passphraseKey(passphrase, spec));
  } else {
    // Stores given the same passphrase (one variable read by several environments) change together.
    const old = spec.options.passphrase as string;
    const sharing = await sharingStores(cli, store, spec, (other) => other.options.passphrase === old, {
      old: (s) => passphraseKey(old, s),
      new: passphraseKey(passphrase, spec),
    });
    try {
      await reencryptAll(
        cli,
        sharing,
        (s) => passphraseKey(passphrase, s.spec),
        (s) => passphraseKey(old, s.spec),
        {
          discard: async () => undefined,
          keep: () => 'the new passphrase is the one just given',
        },
      );
    } finally {
      for (const other of sharing.slice(1)) await other.store.dispose?.();
    }
    stores = sharing.map((s) => s.store);
  }
  await recordRekey(cli, stores, 'passphrase');
  const file = show(cli, settings.config.file ?? 'hush.config.yaml');
  if (cli.options.json) {
    cli.printJson({ stores: stores.map((s) => s.path), protection: 'passphrase' });
    return;
  }
  for (const rekeyed of stores)
    cli.print(`${cli.colors.green('✓')} ${show(cli, rekeyed.path)} re-encrypted under the new passphrase`);
  cli.note(
    source === 'passphrase'
      ? `${cli.colors.yellow('!')} give ${stores.length === 1 ? `provider '${store.name}'` : `providers ${stores.map((s) => `'${s.name}'`).join(', ')}`} the new passphrase before the next run (its passphrase option in ${file}, or the variable that option reads): the old one no longer opens the store (it still opens the store backups in ${show(cli, store.path).replace(/[^/]*$/, '')}backups/)`
      : `${cli.colors.yellow('!')} add the passphrase to provider '${store.name}' in ${file} before the next run, e.g. \`passphrase: \${env:HUSH_PASSPHRASE}\` under its options: the master key no longer opens this store (other stores that use it are unchanged)`,
  );
}

/** A passphrase for provider-local's rekey, with the scrypt cost the store's options name. */
function passphraseKey(passphrase: string, spec: ProviderConfig): NewLocalKey {
  const scrypt = spec.options.scrypt as { N: number; r: number; p: number } | undefined;
  return { passphrase, ...(scrypt ? { scrypt } : {}) };
}

/** The new passphrase: stdin when it is not a terminal, else a hidden prompt asked twice. */
async function readNewPassphrase(cli: Cli): Promise<string> {
  if (!process.stdin.isTTY) {
    const value = await readValueFromStdin();
    if (value === '')
      throw new UsageError(
        'no new passphrase on stdin',
        'pipe it on stdin, or run on a terminal to be asked for it',
      );
    return value;
  }
  const first = await promptSecret('New passphrase:');
  if (first === '') throw new UsageError('the new passphrase is empty; nothing changed');
  (await cli.manager()).masker.add(first);
  const second = await promptSecret('Repeat the new passphrase:');
  if (second !== first) throw new UsageError('the two passphrases differ; nothing changed');
  return first;
}

async function rekeyToMasterKey(cli: Cli, store: LocalStore, spec: ProviderConfig, source: Source) {
  const { generateMasterKey, writeKeyFile } = await import('@hush/provider-local');
  const settings = await cli.settings();
  const file = show(cli, settings.config.file ?? 'the configuration');

  // A store that leaves its passphrase (or its own masterKey option) changes alone. Its new key goes
  // to the key file when there is none yet (and HUSH_MASTER_KEY does not override it); else it is
  // printed, before the store is switched, so that no kill can lose it.
  if (source === 'passphrase' || source === 'config') {
    const newKey = generateMasterKey();
    (await cli.manager()).masker.add(newKey);
    const toFile = source === 'passphrase' && !process.env.HUSH_MASTER_KEY && !existsSync(store.keyFile);
    if (toFile) await writeKeyFile(store.keyFile, newKey);
    else if (!cli.options.json) cli.print(newKey);
    try {
      await reencrypt(cli, store, { masterKey: newKey });
    } catch (error) {
      if (toFile) await fs.rm(store.keyFile, { force: true });
      throw error;
    }
    await recordRekey(cli, [store], 'master-key');
    if (cli.options.json) {
      cli.printJson({
        stores: [store.path],
        protection: 'master-key',
        ...(toFile ? { keyFile: store.keyFile } : { masterKey: newKey }),
      });
      return;
    }
    if (toFile)
      cli.print(
        `${cli.colors.green('✓')} ${show(cli, store.path)} re-encrypted under a new master key in ${show(cli, store.keyFile)} (mode 0600)`,
      );
    cli.note(
      source === 'config'
        ? `${cli.colors.yellow('!')} ${show(cli, store.path)} is now encrypted under the key printed above. Replace the masterKey option of provider '${store.name}' in ${file} with it.`
        : `${cli.colors.yellow('!')} remove the passphrase option of provider '${store.name}' from ${file}${toFile ? '' : ' and give it the key printed above as its masterKey option'} before the next run: the passphrase no longer opens the store`,
    );
    return;
  }

  return rekeySharedKey(cli, store, spec, source as 'env' | 'file');
}

/**
 * The key file or HUSH_MASTER_KEY: every other store it opens is rekeyed with this one. The new key
 * is written (0600) to `<key file>.new` before any store is switched, and, from HUSH_MASTER_KEY,
 * printed too; a rekey that finds that file takes it up again and finishes, so that a kill at any
 * instant leaves each store under a key that exists. The key file is replaced last.
 */
async function rekeySharedKey(cli: Cli, store: LocalStore, spec: ProviderConfig, source: 'env' | 'file') {
  const { generateMasterKey, pendingKeyFile, readKeyFile, writeKeyFile } = await import(
    '@hush/provider-local'
  );
  const pending = pendingKeyFile(store.keyFile);
  const current =
    source === 'env' ? process.env.HUSH_MASTER_KEY! : (await readKeyFile(store.keyFile))?.toString('base64');
  const waiting = (await readKeyFile(pending))?.toString('base64');
  // From HUSH_MASTER_KEY, the file outlives the rekey; once the variable holds it, it is the current key.
  const resumed = waiting !== undefined && !(current !== undefined && sameKey(waiting, current));
  const newKey = resumed ? waiting : generateMasterKey();
  (await cli.manager()).masker.add(newKey);
  if (!resumed) await writeKeyFile(pending, newKey, { overwrite: true });
  else
    cli.note(`${cli.colors.yellow('!')} finishing the rekey that left its new key in ${show(cli, pending)}`);
  // Printed before any store is switched, so that no kill can lose it.
  if (source === 'env' && !cli.options.json) cli.print(newKey);
  const sharing = await sharingStores(
    cli,
    store,
    spec,
    (other, instance) => usesSharedKey(other) && (source === 'env' || instance.keyFile === store.keyFile),
    { old: () => ({ masterKey: current ?? newKey }), new: { masterKey: newKey } },
  );
  const stores = sharing.map((s) => s.store);
  try {
    await reencryptAll(
      cli,
      sharing,
      () => ({ masterKey: newKey }),
      () => ({ masterKey: current! }),
      {
        discard: async () => {
          if (!resumed) await fs.rm(pending, { force: true });
        },
        keep: () =>
          `the new key is in ${show(cli, pending)}${source === 'env' ? ' (and printed above)' : ''}`,
      },
    );
    await recordRekey(cli, stores, 'master-key');
    await reportSharedRekey(
      cli,
      store,
      stores.map((s) => s.path),
      { source, newKey, pending, current },
    );
  } finally {
    for (const other of stores.slice(1)) await other.dispose?.();
  }
}

/**
 * After every store is under the new key: from HUSH_MASTER_KEY, says where the new key is (the
 * variable must change everywhere); from the key file, replaces it (keeping the old one aside).
 */
async function reportSharedRekey(
  cli: Cli,
  store: LocalStore,
  paths: string[],
  rekey: { source: 'env' | 'file'; newKey: string; pending: string; current: string | undefined },
) {
  const { source, newKey, pending, current } = rekey;
  if (source === 'env') {
    if (cli.options.json)
      cli.printJson({
        stores: paths,
        protection: 'master-key',
        masterKey: newKey,
        pendingKeyFile: pending,
      });
    else
      cli.note(
        `${cli.colors.yellow('!')} ${paths.map((p) => show(cli, p)).join(', ')} ${paths.length === 1 ? 'is' : 'are'} now encrypted under the key printed above (also in ${show(cli, pending)}, mode 0600). Update HUSH_MASTER_KEY everywhere it is set (CI secrets, deployment, your shell) to this value, then delete that file: the old key no longer opens ${paths.length === 1 ? 'the store' : 'them'} (it still opens the store backups in ${show(cli, store.path).replace(/[^/]*$/, '')}backups/).`,
      );
    return;
  }
  const backup = await replaceKeyFile(store.keyFile, pending, current);
  if (cli.options.json) {
    cli.printJson({
      stores: paths,
      protection: 'master-key',
      keyFile: store.keyFile,
      ...(backup ? { oldKeyBackup: backup } : {}),
      // The first store, as before several were rekeyed together.
      store: store.path,
    });
    return;
  }
  for (const path of paths)
    cli.print(`${cli.colors.green('✓')} ${show(cli, path)} re-encrypted under a new master key`);
  cli.print(`  new key: ${show(cli, store.keyFile)} (mode 0600)`);
  if (backup)
    cli.print(
      `  old key: ${show(cli, backup)} (opens the store backups made before this rekey; delete it when you no longer need them)`,
    );
  cli.note(
    `${cli.colors.yellow('!')} update every other copy of the key (teammates, CI's HUSH_MASTER_KEY): the old key no longer opens the store`,
  );
}

/**
 * Every store is under the new key: the old key is copied aside (0600, fsynced) and the pending
 * file renamed over the key file, so that at every instant the key file or the pending file
 * holds the key that opens the stores. Returns the old key's copy.
 */
async function replaceKeyFile(keyFile: string, pending: string, old: string | undefined) {
  let backup: string | undefined;
  if (old !== undefined) {
    backup = `${keyFile}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    const handle = await fs.open(backup, 'wx', 0o600);
    try {
      await handle.writeFile(`${old}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await fs.rename(pending, keyFile);
  const dir = await fs.open(dirname(keyFile), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return backup;
}

function sameKey(a: string, b: string): boolean {
  return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
}
