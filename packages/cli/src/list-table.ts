import type { SecretInfo } from '@hush/core';
import { isoOrEmpty, type TableOutput, writeTable } from './table.js';

/** The columns of `hush list`. */
const HEADER = ['NAME', 'VERSION', 'UPDATED', 'EXPIRES', 'PROVIDER', 'TAGS'];

/** `hush list`'s table: a row per secret, names and metadata only. */
export function writeListTable(out: TableOutput, secrets: readonly SecretInfo[]): void {
  writeTable(out, HEADER, secrets, (s) => [
    s.key,
    s.version,
    isoOrEmpty(s.updatedAt),
    isoOrEmpty(s.expiresAt),
    s.provider,
    tagsCell(s.tags),
  ]);
}

/** `a=b,c=d`; most secrets have no tags, and then nothing is allocated. */
function tagsCell(tags: Record<string, string>): string {
  let cell = '';
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    cell += cell ? `,${key}=${tags[key]}` : `${key}=${tags[key]}`;
  }
  return cell;
}
