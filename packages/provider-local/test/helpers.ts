import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey } from '../src/keys.js';
import { type LocalProviderOptions, LocalSecretProvider } from '../src/provider.js';
import { parseStore, type StoreDocument } from '../src/store-file.js';
import { layoutBytes } from '../src/store-lines.js';

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

/** The store file as a document (either format), ciphertexts joined to their entries. */
export function readDoc(path: string): StoreDocument {
  return parseStore(readFileSync(path, 'utf8'), path);
}

/** Writes a document in the v2 layout, keeping the MAC it carries (not signed again). */
export function writeDoc(path: string, doc: StoreDocument): void {
  writeFileSync(path, layoutBytes(doc, doc.mac).bytes, { mode: 0o600 });
}

/** Tampering through the document, so that only the targeted field changes in the file. */
export function editStore(path: string, change: (doc: any) => void): void {
  const doc = readDoc(path);
  change(doc);
  writeDoc(path, doc);
}
