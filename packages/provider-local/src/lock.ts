import { ProviderUnavailableError } from '@hush/core';
import { accessError } from './disk.js';

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over (min 2000). */
  staleMs: number;
  /** How long to wait for another process before giving up. */
  timeoutMs: number;
  /** What is locked, for messages (default `store`). */
  what?: string;
}

/**
 * proper-lockfile (and graceful-fs under it), loaded on the first lock: a read of the store
 * takes no lock, and `hush get` should not pay for loading them.
 */
export async function properLockfile(): Promise<typeof import('proper-lockfile')> {
  const mod = (await import('proper-lockfile')) as typeof import('proper-lockfile') & {
    default?: typeof import('proper-lockfile');
  };
  return mod.default ?? mod;
}

export const DEFAULT_LOCK: LockOptions = { staleMs: 10_000, timeoutMs: 60_000 };

/**
 * Runs `work` holding the cross-process lock `<path>.lock` (a directory made with mkdir, which
 * is atomic; its mtime is refreshed while held, so a crashed holder's lock goes stale).
 * `work` receives a guard that throws if the lock was lost meanwhile (e.g. the event loop was
 * blocked past the stale time and another process took over): no write happens then.
 */
export async function withStoreLock<T>(
  path: string,
  options: LockOptions,
  work: (assertHeld: () => void) => Promise<T>,
): Promise<T> {
  let compromised: Error | undefined;
  const release = await acquire(path, options, (error: Error) => {
    compromised = error;
  });
  const assertHeld = () => {
    if (compromised)
      throw new ProviderUnavailableError(`lost the lock on ${path} while writing; nothing was written`, [], {
        cause: compromised,
      });
  };
  try {
    return await work(assertHeld);
  } finally {
    await release().catch(() => {
      // Released already (compromised) or removed by hand: nothing left to undo.
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Tries the lock until `timeoutMs` has passed (a deadline, not a retry count, so that the wait is
 * what the option says whatever the back-off), with short randomised pauses growing to 100 ms.
 * Each try also takes over a stale lock.
 */
async function acquire(
  path: string,
  options: LockOptions,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.timeoutMs;
  let pause = 5;
  for (;;) {
    try {
      return await (await properLockfile()).lock(path, {
        realpath: false,
        stale: Math.max(2000, options.staleMs),
        retries: 0,
        onCompromised,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw accessError(error, `${path}.lock`, 'lock');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ProviderUnavailableError(
          `${options.what ?? 'store'} ${path} stayed locked by another process for ${options.timeoutMs} ms (lock ${path}.lock)`,
          [],
          { cause: error, hint: `if no hush process is running, remove ${path}.lock` },
        );
      }
      await sleep(Math.min(left, pause * (1 + Math.random())));
      pause = Math.min(100, pause * 1.3);
    }
  }
}
