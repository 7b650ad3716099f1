import { mapConcurrent, type ProviderListOptions, type SecretInfo } from '@hush/core';
import { versionState } from './mapping.js';
import type { VaultSession } from './session.js';
import { parseVaultTime } from './time.js';

/**
 * The names under the prefix whose current version is live, sorted: breadth-first through the
 * folders that can hold them, then each key's metadata, `concurrency` requests at a time.
 */
export async function listSecrets(
  session: VaultSession,
  options: ProviderListOptions,
  concurrency: number,
): Promise<SecretInfo[]> {
  const prefix = options.prefix ?? '';
  const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
  const names: string[] = [];
  const folders = [start];
  while (folders.length > 0) {
    const batch = folders.splice(0, concurrency);
    const listed = await Promise.all(
      batch.map((folder) => listFolder(session, folder).then((keys) => ({ folder, keys }))),
    );
    for (const { folder, keys } of listed) {
      for (const entry of keys) {
        const full = folder + entry;
        if (entry.endsWith('/')) {
          if (full.startsWith(prefix) || prefix.startsWith(full)) folders.push(full);
        } else if (full.startsWith(prefix)) names.push(full);
      }
    }
  }
  const infos = await mapConcurrent(names.sort(), concurrency, async (name) => {
    const metadata = await session.readMetadata(name, 'list');
    if (!metadata) return undefined;
    const current = metadata.versions?.[String(metadata.current_version)];
    if (!current || versionState(current) !== 'enabled') return undefined;
    return session.info(name, metadata.current_version!, metadata.custom_metadata, {
      createdAt: parseVaultTime(metadata.created_time),
      updatedAt: parseVaultTime(metadata.updated_time ?? current.created_time),
    });
  });
  return infos.filter((info): info is SecretInfo => info !== undefined);
}

async function listFolder(session: VaultSession, folder: string): Promise<string[]> {
  const answer = await session.call<{ data?: { keys?: unknown[] } } | null>(
    'list',
    folder || undefined,
    () => session.client.list(session.paths.folder(folder)),
    { notFound: null },
  );
  return (answer?.data?.keys ?? []).map(String);
}
