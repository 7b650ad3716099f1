/**
 * How hush keeps what KV v2 has no field for in a key's custom_metadata: tags as plain keys,
 * metadata under `hush.meta.`, the scope under `hush.scope`, and each version's expiry under
 * `hush.expires-at.<version>`.
 */
import { ValidationError } from '@hush/core';
import { parseVaultTime } from './time.js';

/** Custom-metadata keys hush reserves for itself; every other key is a tag. */
export const RESERVED_PREFIX = 'hush.';
const EXPIRY_PREFIX = 'hush.expires-at.';
const METADATA_PREFIX = 'hush.meta.';
const SCOPE_KEY = 'hush.scope';
/** Expiry keys kept per secret (one per version); Vault allows 64 custom-metadata keys in all. */
const EXPIRY_KEYS_KEPT = 10;

export interface DescribedMetadata {
  tags: Record<string, string>;
  metadata: Record<string, string>;
  scope?: string;
  expiresAt?: Date;
}

/** Splits a key's custom_metadata into tags, hush metadata, scope and the given version's expiry. */
export function readCustomMetadata(custom: unknown, version: number | string): DescribedMetadata {
  const result: DescribedMetadata = { tags: {}, metadata: {} };
  if (!custom || typeof custom !== 'object') return result;
  for (const [key, raw] of Object.entries(custom as Record<string, unknown>)) {
    const value = String(raw);
    if (key === SCOPE_KEY) result.scope = value;
    else if (key.startsWith(METADATA_PREFIX)) result.metadata[key.slice(METADATA_PREFIX.length)] = value;
    else if (key.startsWith(EXPIRY_PREFIX)) {
      if (key.slice(EXPIRY_PREFIX.length) === String(version)) result.expiresAt = parseVaultTime(value);
    } else if (!key.startsWith(RESERVED_PREFIX)) result.tags[key] = value;
  }
  return result;
}

export function expiryFor(custom: unknown, version: number | string): Date | undefined {
  return readCustomMetadata(custom, version).expiresAt;
}

export interface MetadataUpdate {
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  scope?: string;
  expiresAt?: Date;
}

/**
 * The custom_metadata to store after writing `version`: given tags and metadata replace the old
 * ones, others are kept; the expiry is recorded for that version only.
 */
export function writeCustomMetadata(
  existing: unknown,
  version: number,
  update: MetadataUpdate,
): Record<string, string> {
  const current = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : {};
  const next: Record<string, string> = {};
  for (const [key, raw] of Object.entries(current)) {
    const value = String(raw);
    if (key.startsWith(EXPIRY_PREFIX)) {
      const forVersion = Number(key.slice(EXPIRY_PREFIX.length));
      if (forVersion > version - EXPIRY_KEYS_KEPT && forVersion !== version) next[key] = value;
    } else if (key.startsWith(METADATA_PREFIX)) {
      if (!update.metadata) next[key] = value;
    } else if (key === SCOPE_KEY) {
      if (update.scope === undefined) next[key] = value;
    } else if (!key.startsWith(RESERVED_PREFIX)) {
      if (!update.tags) next[key] = value;
    }
  }
  for (const [key, value] of Object.entries(update.tags ?? {})) {
    if (key.startsWith(RESERVED_PREFIX))
      throw new ValidationError(`tag '${key}' uses the prefix '${RESERVED_PREFIX}' that hush reserves`);
    next[key] = value;
  }
  for (const [key, value] of Object.entries(update.metadata ?? {})) next[`${METADATA_PREFIX}${key}`] = value;
  if (update.scope !== undefined) next[SCOPE_KEY] = update.scope;
  if (update.expiresAt) next[`${EXPIRY_PREFIX}${version}`] = update.expiresAt.toISOString();
  return next;
}

/**
 * Checks tags and metadata against KV's custom_metadata limits (64 keys, key 1–128 characters,
 * value 1–512) before anything is written, so that a refused tag never leaves a new version behind.
 */
export function checkMetadataUpdate(update: MetadataUpdate): void {
  const entries: Array<[string, string, string]> = [
    ...Object.entries(update.tags ?? {}).map(([k, v]): [string, string, string] => ['tag', k, v]),
    ...Object.entries(update.metadata ?? {}).map(([k, v]): [string, string, string] => [
      'metadata',
      `${METADATA_PREFIX}${k}`,
      v,
    ]),
    ...(update.scope !== undefined ? [['scope', SCOPE_KEY, update.scope] as [string, string, string]] : []),
  ];
  if (entries.length > 64 - EXPIRY_KEYS_KEPT)
    throw new ValidationError(
      `vault keeps at most ${64 - EXPIRY_KEYS_KEPT} tags and metadata entries per secret`,
    );
  for (const [kind, key, value] of entries) {
    if (kind === 'tag' && key.startsWith(RESERVED_PREFIX))
      throw new ValidationError(`tag '${key}' uses the prefix '${RESERVED_PREFIX}' that hush reserves`);
    if (key.length === 0 || key.length > 128)
      throw new ValidationError(`${kind} key '${key.slice(0, 40)}' must be 1 to 128 characters in Vault`);
    if (typeof value !== 'string' || value.length === 0 || value.length > 512)
      throw new ValidationError(
        `${kind} '${key.slice(0, 40)}' needs a value of 1 to 512 characters in Vault`,
      );
  }
}
