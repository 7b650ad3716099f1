import { DEFAULT_LOCK, type LockOptions, properLockfile, withStoreLock } from './lock.js';

// A rekey changes the store and then the key that opens it: two files, two renames. While it runs
// it holds `<key file>.lock`, so that an operation that meets the new store with the old key waits
// for the rekey to end instead of reporting a wrong key; the new key waits in `<key file>.new`
// until every store it opens is switched, so that a kill at any instant leaves a key for each store.

/** Where a rekey keeps the new master key until the key file is replaced by it. */
export function pendingKeyFile(keyFile: string): string {
  return `${keyFile}.new`;
}

/** Rekey locks this process holds: its own operations never wait for them. */
const held = new Set<string>();

/**
 * Runs `work` holding the rekey lock of `keyFile` (`<key file>.lock`): operations of other processes
 * that meet a store under a key they do not have wait for it to be released, then read the key again.
 */
export function withRekeyLock<T>(
  keyFile: string,
  work: () => Promise<T>,
  options: LockOptions = DEFAULT_LOCK,
): Promise<T> {
  return withStoreLock(keyFile, { ...options, what: 'key file' }, async () => {
    held.add(keyFile);
    try {
      return await work();
    } finally {
      held.delete(keyFile);
    }
  });
}

/** True while another process (alive: its lock is fresh) rekeys the stores of `keyFile`. */
export async function rekeyInProgress(keyFile: string, staleMs: number): Promise<boolean> {
  if (held.has(keyFile)) return false;
  try {
    return await (await properLockfile()).check(keyFile, { realpath: false, stale: Math.max(2000, staleMs) });
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no rekey of `keyFile` is in progress; false when it still is after `timeoutMs`. */
export async function waitForRekey(keyFile: string, options: LockOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let pause = 10;
  while (await rekeyInProgress(keyFile, options.staleMs)) {
    if (Date.now() >= deadline) return false;
    await sleep(pause);
    pause = Math.min(200, pause * 1.5);
  }
  return true;
}
