import {
  type ProviderSetOptions,
  type SecretInfo,
  type SecretVersion,
  VersionConflictError,
} from '@hush/core';
import { type DerivedKeys, encryptValue } from './crypto.js';
import type { StoreDocument, StoredMeta, StoredSecret, StoredVersion } from './store-file.js';
import { versionNumbers } from './store-file.js';

// The secret entries of a store document: reading their versions and writing new ones. Pure
// functions over the parsed document; encryption of a new version happens here, decryption in the provider.

/** The highest version number: the current one. */
export function currentVersion(secret: StoredMeta): number {
  let highest = 0;
  for (const n in secret.versions) {
    const number = Number(n);
    if (number > highest) highest = number;
  }
  return highest;
}

export function isPast(iso: string | undefined, now: number): boolean {
  return iso !== undefined && new Date(iso).getTime() <= now;
}

/** Compare-and-set: the current version must be the one the caller expects ('0': none yet). */
export function checkExpected(doc: StoreDocument, key: string, expected: string | undefined): void {
  if (expected === undefined) return;
  const secret = doc.secrets[key];
  const current = secret ? String(currentVersion(secret)) : '0';
  if (current !== expected) throw new VersionConflictError(key);
}

/** The version a read asks for (current when none), or undefined when it is not a version number. */
export function requestedVersion(secret: StoredSecret, version?: string): number | undefined {
  if (version === undefined) return currentVersion(secret);
  return /^[1-9][0-9]*$/.test(version) ? Number(version) : undefined;
}

/** The instant last parsed: a listing meets it again and again (a secret is created with its first version). */
let lastIso = '';
let lastMs = 0;

/** `new Date(iso)`, parsing each distinct text once in a row. */
function dateOf(iso: string): Date {
  if (iso !== lastIso) {
    lastMs = Date.parse(iso);
    lastIso = iso;
  }
  return new Date(lastMs);
}

export function infoOf(provider: string, key: string, secret: StoredMeta, n: number): SecretInfo {
  const version = String(n);
  const v = secret.versions[version]!;
  const metadata = secret.metadata ? { ...secret.metadata } : {};
  const tags = secret.tags ? { ...secret.tags } : {};
  return describe(
    provider,
    key,
    secret.createdAt,
    version,
    v.createdAt,
    v.expiresAt,
    metadata,
    tags,
    secret.scope,
  );
}

/**
 * The description of version `version` (made at `updatedAt`, expiring at `expiresAt`) of the
 * secret `key` created at `createdAt`; `metadata` and `tags` become its own. Built field by field,
 * always in the same order (no spreads of optional parts): a listing makes one per secret.
 */
export function describe(
  provider: string,
  key: string,
  createdAt: string,
  version: string,
  updatedAt: string,
  expiresAt: string | undefined,
  metadata: Record<string, string>,
  tags: Record<string, string>,
  scope: string | undefined,
): SecretInfo {
  const info: SecretInfo = {
    key,
    version,
    createdAt: dateOf(createdAt),
    updatedAt: dateOf(updatedAt),
  } as SecretInfo;
  if (expiresAt) info.expiresAt = dateOf(expiresAt);
  info.metadata = metadata;
  info.tags = tags;
  info.provider = provider;
  if (scope !== undefined) info.scope = scope;
  return info;
}

export function versionsOf(secret: StoredSecret, now: number): SecretVersion[] {
  const current = currentVersion(secret);
  return versionNumbers(secret)
    .reverse()
    .map((n) => {
      const v = secret.versions[String(n)]!;
      const state = n !== current && isPast(v.expiresAt, now) ? 'disabled' : 'enabled';
      return {
        version: String(n),
        createdAt: new Date(v.createdAt),
        ...(v.expiresAt ? { expiresAt: new Date(v.expiresAt) } : {}),
        current: n === current,
        state,
      };
    });
}

/**
 * A new current version of `key` in `doc`, sealed under `keys`: tags, metadata and scope replace
 * the secret's when given, versions beyond `maxVersions` are dropped. Returns the new entry and its number.
 */
export function withNewVersion(
  doc: StoreDocument,
  existing: StoredSecret | undefined,
  key: string,
  value: string,
  options: ProviderSetOptions,
  context: { keys: DerivedKeys; now: Date; maxVersions: number },
): { secret: StoredSecret; version: number } {
  const at = context.now.toISOString();
  const n = existing ? currentVersion(existing) + 1 : 1;
  const version: StoredVersion = {
    createdAt: at,
    ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
    ...encryptValue(context.keys.encryption, doc.storeId, key, String(n), value),
  };
  // A new object, never an edit in place: untouched entries keep their cached serialisation.
  const secret: StoredSecret = existing
    ? { ...existing, versions: { ...existing.versions } }
    : { createdAt: at, versions: {} };
  if (options.expirePreviousVersions) {
    for (const [old, v] of Object.entries(secret.versions))
      if (!isPast(v.expiresAt, context.now.getTime())) secret.versions[old] = { ...v, expiresAt: at };
  }
  if (options.tags !== undefined) secret.tags = { ...options.tags };
  if (options.metadata !== undefined) secret.metadata = { ...options.metadata };
  if (options.scope !== undefined) secret.scope = options.scope;
  secret.versions[String(n)] = version;
  const numbers = versionNumbers(secret);
  for (const old of numbers.slice(0, Math.max(0, numbers.length - context.maxVersions)))
    delete secret.versions[String(old)];
  return { secret, version: n };
}
