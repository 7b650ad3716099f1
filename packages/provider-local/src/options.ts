import { ConfigError, optionNames, type ProviderSetOptions } from '@hush/core';
import type { ScryptCost } from './crypto.js';

export interface LocalProviderOptions {
  /** Store file; relative paths resolve from `root`. Default `.hush/secrets.enc.json`. */
  path?: string;
  /** Another name for `path` (`path` wins when both are given). */
  storePath?: string;
  /**
   * Create the store on the first write (default true). With false, `initialize()` and writes
   * refuse a missing store with a ConfigError instead (reads of a missing store return nothing).
   */
  createIfMissing?: boolean;
  /**
   * When a write creates the store and no key is given (no option, no `HUSH_MASTER_KEY`, no key
   * file), create `keyFile` with a new random key first (mode 0600, git-ignored), as `hush init`
   * does. Default true; false refuses the write with "no master key" instead.
   */
  createKeyIfMissing?: boolean;
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
  /** How long a write (or a read during a rekey) waits for another process's lock. Default 60 s. */
  lockTimeoutMs?: number;
  /**
   * Read the store, its key file and its state file with synchronous calls on the calling thread.
   * For short-lived processes (a command line, a script that reads its secrets and exits): a
   * fresh process then waits for no trip through libuv's thread pool, nor for the pool to start.
   * Each read blocks the event loop while it lasts (a few milliseconds for a large store), so a
   * server leaves it off. Default false. Writes are not affected.
   */
  syncReads?: boolean;
  /** The clock, in ms since the epoch (expiry dates, notes of verified reads). Default `Date.now`. */
  now?: () => number;
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

/** `fileMode` must keep the owner's read access and, unless overridden, give nobody else any. */
export function checkFileMode(mode: number, insecureOk: boolean): number {
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

/** Every option the constructor takes: another is refused, never ignored. */
export const OPTION_NAMES = optionNames<LocalProviderOptions>()({
  path: true,
  storePath: true,
  createIfMissing: true,
  createKeyIfMissing: true,
  fileMode: true,
  root: true,
  masterKey: true,
  passphrase: true,
  scrypt: true,
  pbkdf2: true,
  keyFile: true,
  statePath: true,
  env: true,
  name: true,
  maxVersions: true,
  backups: true,
  allowInsecurePermissions: true,
  lockStaleMs: true,
  lockTimeoutMs: true,
  syncReads: true,
  now: true,
});
