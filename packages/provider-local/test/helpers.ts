import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey } from '../src/keys.js';
import { type LocalProviderOptions, LocalSecretProvider } from '../src/provider.js';

export interface Sandbox {
  dir: string;
  store: string;
  key: string;
  make(options?: LocalProviderOptions): LocalSecretProvider;
  cleanup(): void;
}

/** A private temp folder holding `.hush/`, with a fresh master key. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'hush-local-'));
  const key = generateMasterKey();
  return {
    dir,
    store: join(dir, '.hush', 'secrets.enc.json'),
    key,
    make: (options = {}) => new LocalSecretProvider({ root: dir, masterKey: key, env: {}, ...options }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function thrown(
  fn: () => Promise<unknown>,
): Promise<Error & { code?: string; secretName?: string; hint?: string }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure, got none');
}
