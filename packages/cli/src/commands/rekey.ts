import { existsSync, promises as fs } from 'node:fs';
import { relative } from 'node:path';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { findLocalStore } from '../local.js';

/**
 * A new master key for the local store. With a key file: the new key is written beside it first
 * (`master.key.new`), the store is re-encrypted, then the old key moves to `master.key.<time>.bak`
 * (store backups made before still need it) and the new one takes its place. With HUSH_MASTER_KEY
 * the new key is printed on stdout: the operator must update the variable everywhere.
 */
export default async function rekey(
  cli: Cli,
  _args: unknown[],
  options: { provider?: string },
): Promise<void> {
  const { store, options: providerOptions } = await findLocalStore(cli, options.provider);
  if (providerOptions.passphrase !== undefined)
    throw new CliError(
      'this store is protected by a passphrase; `hush rekey` changes master keys only',
      1,
      'use LocalSecretProvider.rekey({ passphrase }) from code',
    );
  const { generateMasterKey, writeKeyFile } = await import('@hush/provider-local');
  const source =
    providerOptions.masterKey !== undefined ? 'config' : process.env.HUSH_MASTER_KEY ? 'env' : 'file';
  if (source === 'file' && !existsSync(store.keyFile))
    throw new CliError(`no key file at ${store.keyFile}`, 1, 'run `hush init` first');
  const newKey = generateMasterKey();
  const show = (p: string) => relative(cli.cwd, p) || p;

  if (source !== 'file') {
    await store.rekey({ masterKey: newKey });
    cli.print(newKey);
    cli.note(
      source === 'env'
        ? `${cli.colors.yellow('!')} ${show(store.path)} is now encrypted under the key printed above. Update HUSH_MASTER_KEY everywhere it is set (CI secrets, deployment, your shell) to this value: the old key no longer opens the store (it still opens the store backups in ${show(store.path).replace(/[^/]*$/, '')}backups/).`
        : `${cli.colors.yellow('!')} ${show(store.path)} is now encrypted under the key printed above. Replace the masterKey option of provider '${store.name}' in ${show((await cli.settings()).config.file ?? 'the configuration')} with it.`,
    );
    return;
  }

  const pending = `${store.keyFile}.new`;
  await fs.rm(pending, { force: true });
  await writeKeyFile(pending, newKey);
  try {
    await store.rekey({ masterKey: newKey });
  } catch (error) {
    await fs.rm(pending, { force: true });
    throw error;
  }
  const backup = `${store.keyFile}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  await fs.rename(store.keyFile, backup);
  await fs.rename(pending, store.keyFile);
  await fs.chmod(backup, 0o600);
  if (cli.options.json) cli.printJson({ store: store.path, keyFile: store.keyFile, oldKeyBackup: backup });
  else {
    cli.print(`${cli.colors.green('✓')} ${show(store.path)} re-encrypted under a new master key`);
    cli.print(`  new key: ${show(store.keyFile)} (mode 0600)`);
    cli.print(
      `  old key: ${show(backup)} (opens the store backups made before this rekey; delete it when you no longer need them)`,
    );
    cli.note(
      `${cli.colors.yellow('!')} update every other copy of the key (teammates, CI's HUSH_MASTER_KEY): the old key no longer opens the store`,
    );
  }
}
