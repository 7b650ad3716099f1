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
  // Sorted already in the file, but an object lists integer-like keys ("42") first; on sorted
  // input the sort is one comparison per name.
  names.sort();
  for (const name of names) {
    if (prefix && !name.startsWith(prefix)) continue;
    const meta = metas[name]!;
    listed.push(infoOf(provider, name, meta, checkMeta(name, meta, path)));
  }
  return listed;
}
