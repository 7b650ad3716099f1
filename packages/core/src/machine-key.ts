import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from './errors.js';
import { parseTierKey } from './tier-seal.js';

/**
 * Where the persistent cache's machine key lives unless configured: `HUSH_CACHE_KEY_FILE`, else
 * `$XDG_STATE_HOME/hush/cache.key`, else `~/.local/state/hush/cache.key`. Outside the project on
 * purpose: a copied project folder (or a CI cache of it) carries the cache but not the key.
 */
export function defaultMachineKeyFile(env: Record<string, string | undefined> = process.env): string {
  if (env.HUSH_CACHE_KEY_FILE) return env.HUSH_CACHE_KEY_FILE;
  const state =
    env.XDG_STATE_HOME || join(env.HOME || process.getBuiltinModule('node:os').homedir(), '.local', 'state');
  return join(state, 'hush', 'cache.key');
}

/**
 * The machine-local secret of the persistent cache: 32 random bytes kept as base64 text in a
 * 0600 file, created on first use (in a 0700 folder). Two processes starting together agree on
 * one key: the file appears whole or not at all (written aside, then hard-linked into place).
 * A key file that others can read is refused, as ssh refuses a loose private key.
 */
export function loadMachineKey(file: string): Buffer {
  try {
    return readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(aside, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, file);
  } catch (error) {
    // Another process created it first: use that one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(aside);
  }
  return readKeyFile(file);
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new ConfigError(
      `the cache key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)})`,
      { path: 'cache.persistent.keyFile', hint: `chmod 600 ${file}` },
    );
  return parseTierKey(readFileSync(file, 'utf8'), 'cache.persistent.keyFile');
}
