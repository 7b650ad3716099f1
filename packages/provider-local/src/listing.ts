import type { SecretInfo } from '@hush/core';
import { describe } from './entries.js';
import { checkMeta, type StoredMeta } from './store-file.js';

/**
 * Receives a store's listing one secret at a time, in name order: the secret's creation time,
 * its current version's number, that version's creation and expiry (ISO 8601 text as stored),
 * and the secret's metadata, tags and scope (the caller's own copies; undefined for none).
 */
export type ListingSink = (
  name: string,
  createdAt: string,
  version: string,
  updatedAt: string,
  expiresAt: string | undefined,
  metadata: Record<string, string> | undefined,
  tags: Record<string, string> | undefined,
  scope: string | undefined,
) => void;

/** Sends the current version (number `n`, from `checkMeta`) of a parsed entry to `sink`. */
export function sendMeta(sink: ListingSink, name: string, meta: StoredMeta, n: number): void {
  const version = String(n);
  const v = meta.versions[version]!;
  sink(
    name,
    meta.createdAt,
    version,
    v.createdAt,
    v.expiresAt,
    meta.metadata ? { ...meta.metadata } : undefined,
    meta.tags ? { ...meta.tags } : undefined,
    meta.scope,
  );
}

/**
 * The listing of a parsed store: each secret's current version from its dates and tags alone (no
 * ciphertext is parsed), sorted by name, filtered by prefix, each entry checked.
 */
export function listMetas(
  metas: Record<string, StoredMeta>,
  prefix: string,
  path: string,
  sink: ListingSink,
): void {
  const names = Object.keys(metas);
  // Sorted already in the file, but an object lists integer-like keys ("42") first; on sorted
  // input the sort is one comparison per name.
  names.sort();
  for (const name of names) {
    if (prefix && !name.startsWith(prefix)) continue;
    const meta = metas[name]!;
    sendMeta(sink, name, meta, checkMeta(name, meta, path));
  }
}

/** A sink that describes each secret as `provider`'s, into `listed`. */
export function infoSink(provider: string, listed: SecretInfo[]): ListingSink {
  return (name, createdAt, version, updatedAt, expiresAt, metadata, tags, scope) => {
    listed.push(
      describe(provider, name, createdAt, version, updatedAt, expiresAt, metadata ?? {}, tags ?? {}, scope),
    );
  };
}

/** The descriptions of a parsed store's listing (see `listMetas`). */
export function listInfos(
  provider: string,
  metas: Record<string, StoredMeta>,
  prefix: string,
  path: string,
): SecretInfo[] {
  const listed: SecretInfo[] = [];
  listMetas(metas, prefix, path, infoSink(provider, listed));
  return listed;
}

/**
 * A store's listing as columns, one entry per secret in name order: what a table of the listing
 * needs, without a description object (and its dates) per secret.
 */
export interface ListingColumns {
  readonly keys: string[];
  readonly versions: string[];
  /** When each current version was made: ISO 8601 text as stored. */
  readonly updatedAt: string[];
  /** When each current version expires, if it does: ISO 8601 text as stored. */
  readonly expiresAt: (string | undefined)[];
  /** Each secret's tags; undefined for none. */
  readonly tags: (Record<string, string> | undefined)[];
}

export const emptyColumns = (): ListingColumns => ({
  keys: [],
  versions: [],
  updatedAt: [],
  expiresAt: [],
  tags: [],
});

/** The columns of a parsed store's listing (see `listMetas`). */
export function metaColumns(metas: Record<string, StoredMeta>, prefix: string, path: string): ListingColumns {
  const columns = emptyColumns();
  listMetas(metas, prefix, path, columnSink(columns));
  return columns;
}

/** A sink that adds each secret to `columns`. */
export function columnSink(columns: ListingColumns): ListingSink {
  return (name, _createdAt, version, updatedAt, expiresAt, _metadata, tags) => {
    columns.keys.push(name);
    columns.versions.push(version);
    columns.updatedAt.push(updatedAt);
    columns.expiresAt.push(expiresAt || undefined);
    columns.tags.push(tags && hasAny(tags) ? tags : undefined);
  };
}

function hasAny(record: Record<string, string>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}
