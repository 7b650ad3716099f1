import type { SecretInfo } from '@hush/core';
import { infoOf } from './entries.js';
import { checkMeta, type StoredMeta } from './store-file.js';

/**
 * The listing of a store: each secret's current version described from its dates and tags alone
 * (no ciphertext is parsed), sorted by name, filtered by prefix.
 */
export function listInfos(
  provider: string,
  metas: Record<string, StoredMeta>,
  prefix: string,
  path: string,
): SecretInfo[] {
  const names = Object.keys(metas);
  const listed: SecretInfo[] = [];
  // The file keeps its lines sorted: usually nothing to reorder.
  if (!isSorted(names)) names.sort();
  for (const name of names) {
    if (prefix && !name.startsWith(prefix)) continue;
    const meta = metas[name]!;
    listed.push(infoOf(provider, name, meta, checkMeta(name, meta, path)));
  }
  return listed;
}

function isSorted(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}
