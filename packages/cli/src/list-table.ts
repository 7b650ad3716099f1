import type { SecretInfo } from '@hush/core';
import type { ListingColumns } from '@hush/provider-local';
import { isoOrEmpty, isoTextOrEmpty, type TableOutput, writeColumns } from './table.js';

/** The columns of `hush list`. */
const HEADER = ['NAME', 'VERSION', 'UPDATED', 'EXPIRES', 'PROVIDER', 'TAGS'];

/** `hush list`'s table: a row per secret, names and metadata only. */
export function writeListTable(out: TableOutput, secrets: readonly SecretInfo[]): void {
  writeColumns(
    out,
    HEADER,
    [
      (i) => secrets[i]!.key,
      (i) => secrets[i]!.version,
      (i) => isoOrEmpty(secrets[i]!.updatedAt),
      (i) => isoOrEmpty(secrets[i]!.expiresAt),
      (i) => secrets[i]!.provider,
      (i) => tagsCell(secrets[i]!.tags),
    ],
    secrets.length,
  );
}

/** The same table of one provider's listing given as columns (`LocalSecretProvider.listColumns`). */
export function writeListColumns(out: TableOutput, provider: string, listing: ListingColumns): void {
  const { keys, versions, updatedAt, expiresAt, tags } = listing;
  writeColumns(
    out,
    HEADER,
    [
      (i) => keys[i]!,
      (i) => versions[i]!,
      (i) => isoTextOrEmpty(updatedAt[i]),
      (i) => isoTextOrEmpty(expiresAt[i]),
      provider,
      (i) => tagsCell(tags[i]),
    ],
    keys.length,
  );
}

/** `a=b,c=d`; most secrets have no tags, and then nothing is allocated. */
function tagsCell(tags: Record<string, string> | undefined): string {
  let cell = '';
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    cell += cell ? `,${key}=${tags[key]}` : `${key}=${tags[key]}`;
  }
  return cell;
}
