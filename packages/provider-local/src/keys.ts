import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@hush/core';
import { checkPbkdf2, DEFAULT_PBKDF2, type KeySource, type ScryptCost, scryptProblem } from './crypto.js';
import { accessError, assertPrivate, ensurePrivateDir } from './disk.js';
import { ensureHushGitignore } from './gitignore.js';
import { callbackReads, type FileReads, type WholeFile } from './read-files.js';

export const MASTER_KEY_BYTES = 32;

/** A new random 32-byte master key, base64-encoded (what `HUSH_MASTER_KEY` and `.hush/master.key` hold). */
export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

/** Decodes a base64 (or base64url) master key; anything but 32 bytes is refused. */
export function parseMasterKey(value: string | Uint8Array, origin: string): Buffer {
  if (typeof value !== 'string') {
    if (value.length !== MASTER_KEY_BYTES)
      throw new ConfigError(`master key from ${origin} must be ${MASTER_KEY_BYTES} bytes`);
    return Buffer.from(value);
  }
  const text = value.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
    ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
    : Buffer.alloc(0);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new ConfigError(`master key from ${origin} is not ${MASTER_KEY_BYTES} bytes of base64`, {
      hint: 'generate one with `hush keygen` (or generateMasterKey())',
    });
  }
  return key;
}

/**
 * Writes a key file with mode 0600 in a 0700 folder (fsynced). Refuses to overwrite an existing
 * file unless `overwrite` is set, so a key is never lost by accident. Returns the key written.
 */
export async function writeKeyFile(
  path: string,
  key: string = generateMasterKey(),
  options: { overwrite?: boolean } = {},
): Promise<string> {
  parseMasterKey(key, 'writeKeyFile');
  await ensurePrivateDir(dirname(path));
  await ensureHushGitignore(dirname(path));
  const flags =
    constants.O_WRONLY | constants.O_CREAT | (options.overwrite ? constants.O_TRUNC : constants.O_EXCL);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ConfigError(`key file ${path} already exists; refusing to overwrite it`);
    throw error;
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${key.trim()}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return key.trim();
}

/** Reads a key file, refusing one that group or others can read. Null when it does not exist. */
export function readKeyFile(
  path: string,
  options: { allowInsecurePermissions?: boolean } = {},
): Promise<Buffer | null> {
  return readKeyFileWith(path, options.allowInsecurePermissions === true, callbackReads);
}

/** `readKeyFile` through `reads`. */
export async function readKeyFileWith(
  path: string,
  allowInsecure: boolean,
  reads: FileReads,
): Promise<Buffer | null> {
  let file: WholeFile;
  try {
    // The mode checked is the mode of the file read: one descriptor for both.
    file = await reads.whole(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw accessError(error, path, 'key file');
  }
  assertPrivate(path, file.stats.mode, 'key file', allowInsecure);
  return parseMasterKey(file.bytes.toString('utf8'), `key file ${path}`);
}

export interface KeyOptions {
  masterKey?: string | Uint8Array;
  passphrase?: string;
  scrypt?: ScryptCost;
  pbkdf2?: { iterations?: number };
  keyFile: string;
  env: Record<string, string | undefined>;
  allowInsecurePermissions: boolean;
  /** How the key file is read (default through the thread pool). */
  reads?: FileReads;
}

/** A passphrase source: scrypt by default, PBKDF2-SHA256 (at least 600,000 iterations) when asked. */
export function passphraseSource(
  passphrase: string,
  options: { scrypt?: ScryptCost; pbkdf2?: { iterations?: number } },
): KeySource {
  if (options.scrypt && options.pbkdf2) throw new ConfigError('give either scrypt or pbkdf2, not both');
  if (options.pbkdf2) {
    const pbkdf2 = { iterations: options.pbkdf2.iterations ?? DEFAULT_PBKDF2.iterations };
    try {
      checkPbkdf2(pbkdf2);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    return { kind: 'passphrase', passphrase, pbkdf2 };
  }
  const problem = options.scrypt ? scryptProblem(options.scrypt) : undefined;
  if (problem) throw new ConfigError(`scrypt option: ${problem}`);
  return { kind: 'passphrase', passphrase, ...(options.scrypt ? { cost: options.scrypt } : {}) };
}

/** Order: `masterKey` option, `passphrase` option, `HUSH_MASTER_KEY`, then the key file. */
export async function resolveKeySource(options: KeyOptions): Promise<KeySource | null> {
  if (options.masterKey !== undefined && options.passphrase !== undefined)
    throw new ConfigError('give either masterKey or passphrase, not both');
  if (options.masterKey !== undefined)
    return { kind: 'master-key', key: parseMasterKey(options.masterKey, 'the masterKey option') };
  if (options.passphrase !== undefined) {
    if (options.passphrase.length === 0) throw new ConfigError('the passphrase is empty');
    return passphraseSource(options.passphrase, options);
  }
  const fromEnv = options.env.HUSH_MASTER_KEY;
  if (fromEnv) return { kind: 'master-key', key: parseMasterKey(fromEnv, 'HUSH_MASTER_KEY') };
  const fromFile = await readKeyFileWith(
    options.keyFile,
    options.allowInsecurePermissions,
    options.reads ?? callbackReads,
  );
  return fromFile ? { kind: 'master-key', key: fromFile } : null;
}
