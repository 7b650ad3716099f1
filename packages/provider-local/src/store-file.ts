import { dirname, join } from 'node:path';
import { ConfigError, IntegrityError } from '@hush/core';
import { FORMAT, FORMAT_V1, type KdfParams, kdfProblem, type SealedValue } from './crypto.js';

/** What a listing needs of one version: its dates. */
export interface VersionDates {
  createdAt: string;
  expiresAt?: string;
}

/** One version of a secret: its encrypted value and dates. */
export interface StoredVersion extends SealedValue, VersionDates {}

/** A secret without its ciphertexts: what `list`, `describe` and version histories read. */
export interface StoredMeta {
  createdAt: string;
  scope?: string;
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  /** Keyed by version number ("1", "2", ...); the highest is current. */
  versions: Record<string, VersionDates>;
}

export interface StoredSecret extends StoredMeta {
  versions: Record<string, StoredVersion>;
}

/** The store in memory, whatever its layout on disk. Names, dates and tags are clear text; values are not. */
export interface StoreDocument {
  format: typeof FORMAT | typeof FORMAT_V1;
  storeId: string;
  kdf: KdfParams;
  keyCheck: string;
  /** Incremented by every write; a lower generation than one already seen is a replayed file. */
  generation: number;
  mac: string;
  secrets: Record<string, StoredSecret>;
}

/** The file without its entries: what the key, MAC and generation checks need. */
export type StoreHeader = Omit<StoreDocument, 'secrets'>;

export function versionNumbers(secret: StoredMeta): number[] {
  const numbers: number[] = [];
  for (const n in secret.versions) numbers.push(Number(n));
  return numbers.sort((a, b) => a - b);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringRecord = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every(isString);

function notJson(text: string, path: string): IntegrityError {
  const conflict = /^(<<<<<<<|>>>>>>>|=======)/m.test(text);
  return new IntegrityError(
    `store ${path} is not valid JSON${conflict ? ' (it holds unresolved git merge conflict markers)' : ' (truncated or edited by hand?)'}`,
    undefined,
    {
      hint: conflict
        ? 'resolve the conflict, then run `hush reseal`'
        : `restore a backup from ${join(dirname(path), 'backups')}`,
    },
  );
}

/**
 * Parses a whole store file of either format, in any layout (a hand-merged or reformatted file
 * too: `reseal` reads it so), into the document. Entries are shape-checked when used (`checkEntry`).
 */
export function parseStore(text: string, path: string): StoreDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw notJson(text, path);
  }
  const header = checkHeader(raw, path);
  const { secrets, sealed } = raw as Record<string, unknown>;
  if (!isRecord(secrets)) throw new IntegrityError(`store ${path} is malformed: secrets is not an object`);
  if (header.format === FORMAT_V1)
    // No prototype: names such as `constructor` or `__proto__` are plain entries.
    return { ...header, secrets: Object.assign(Object.create(null), secrets) };
  if (!isRecord(sealed)) throw new IntegrityError(`store ${path} is malformed: sealed is not an object`);
  return { ...header, secrets: joinSections(secrets, sealed, path) };
}

/** The entries of a v2 file: each secret's dates and tags joined with its ciphertexts. */
export function joinSections(
  metas: Record<string, unknown>,
  sealed: Record<string, unknown>,
  path: string,
): Record<string, StoredSecret> {
  const secrets: Record<string, StoredSecret> = Object.create(null);
  for (const name of Object.keys(metas)) {
    const joined = joinEntry(name, metas[name] as StoredMeta, sealed[name], path);
    if (joined) secrets[name] = joined;
  }
  for (const name of Object.keys(sealed))
    if (!Object.hasOwn(metas, name))
      throw new IntegrityError(
        `store ${path} is malformed: ciphertexts of '${name}' without its entry`,
        name,
      );
  return secrets;
}

/** One secret of a v2 file from its two lines; the shapes are checked here. */
export function joinEntry(name: string, meta: StoredMeta, sealed: unknown, path: string): StoredSecret {
  checkMeta(name, meta, path);
  if (!isRecord(sealed)) throw malformed(path, `ciphertexts of '${name}'`, name);
  const versions: Record<string, StoredVersion> = {};
  for (const n in meta.versions) {
    const v = sealed[n] as Record<string, unknown> | undefined;
    if (!isRecord(v) || !isString(v.iv) || !isString(v.ct) || !isString(v.tag))
      throw malformed(path, `ciphertext of version ${n} of '${name}'`, name);
    versions[n] = { ...meta.versions[n]!, iv: v.iv, ct: v.ct, tag: v.tag };
  }
  for (const n in sealed)
    if (!Object.hasOwn(meta.versions, n))
      throw malformed(path, `ciphertext of unknown version ${n} of '${name}'`, name);
  return { ...meta, versions };
}

const malformed = (path: string, what: string, name?: string) =>
  new IntegrityError(`store ${path} is malformed: ${what}`, name);

/** Checks the header fields of a parsed file (format, ids, generation, key-derivation parameters). */
export function checkHeader(raw: unknown, path: string): StoreHeader {
  const bad = (what: string): never => {
    throw malformed(path, what);
  };
  if (!isRecord(raw)) return bad('not an object');
  if (raw.format !== FORMAT && raw.format !== FORMAT_V1) {
    throw new ConfigError(
      `store ${path} has format ${JSON.stringify(raw.format)}; this version reads '${FORMAT}' and '${FORMAT_V1}'`,
    );
  }
  if (!isString(raw.storeId) || !isString(raw.keyCheck) || !isString(raw.mac))
    bad('missing storeId, keyCheck or mac');
  if (!Number.isSafeInteger(raw.generation) || (raw.generation as number) < 0)
    bad('generation is not a counter');
  const kdf = raw.kdf;
  if (!isRecord(kdf) || !isString(kdf.salt)) return bad('kdf is missing');
  if (kdf.name === 'scrypt') {
    if (![kdf.N, kdf.r, kdf.p].every((n) => Number.isSafeInteger(n)))
      bad('scrypt parameters are not integers');
  } else if (kdf.name === 'pbkdf2-sha256') {
    if (!Number.isSafeInteger(kdf.iterations)) bad('PBKDF2 iterations are not an integer');
  } else if (kdf.name !== 'hkdf-sha256') bad(`unknown kdf ${JSON.stringify(kdf.name)}`);
  const problem = kdfProblem(kdf as unknown as KdfParams);
  if (problem) {
    throw new IntegrityError(
      `store ${path} asks for key-derivation parameters hush never writes (${problem}); refusing to derive a key with them`,
      undefined,
      { hint: `the kdf header was altered: restore a backup from ${join(dirname(path), 'backups')}` },
    );
  }
  return {
    format: raw.format,
    storeId: raw.storeId as string,
    kdf: kdf as unknown as KdfParams,
    keyCheck: raw.keyCheck as string,
    generation: raw.generation as number,
    mac: raw.mac as string,
  };
}

/** A version number as the file writes it: digits, no leading zero. */
function isVersionKey(n: string): boolean {
  if (n.length === 0 || n.length > 15 || n.charCodeAt(0) === 0x30) return false;
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Checks the shape of one entry's dates, tags and versions before it is used (no ciphertexts);
 * returns its highest version number, the current one. Called once per secret by a listing.
 */
export function checkMeta(name: string, meta: StoredMeta, path: string): number {
  const s = meta as unknown as Record<string, unknown>;
  if (!isRecord(s) || !isString(s.createdAt) || !isRecord(s.versions))
    throw malformed(path, `entry '${name}'`, name);
  if (s.scope !== undefined && !isString(s.scope)) throw malformed(path, `scope of '${name}'`, name);
  if (s.tags !== undefined && !isStringRecord(s.tags)) throw malformed(path, `tags of '${name}'`, name);
  if (s.metadata !== undefined && !isStringRecord(s.metadata))
    throw malformed(path, `metadata of '${name}'`, name);
  const versions = s.versions as Record<string, Record<string, unknown>>;
  let highest = 0;
  for (const n in versions) {
    const v = versions[n];
    if (!isVersionKey(n)) throw malformed(path, `version '${n}' of '${name}'`, name);
    if (!isRecord(v) || !isString(v.createdAt)) throw malformed(path, `version ${n} of '${name}'`, name);
    if (v.expiresAt !== undefined && !isString(v.expiresAt))
      throw malformed(path, `expiry of version ${n} of '${name}'`, name);
    const number = Number(n);
    if (number > highest) highest = number;
  }
  if (highest === 0) throw malformed(path, `'${name}' has no version`, name);
  return highest;
}

/** Checks one entry's shape, ciphertexts included, before it is used. */
export function checkEntry(name: string, secret: StoredSecret, path: string): void {
  checkMeta(name, secret, path);
  for (const n in secret.versions) {
    const v = secret.versions[n] as unknown as Record<string, unknown>;
    if (![v.iv, v.ct, v.tag].every(isString)) throw malformed(path, `version ${n} of '${name}'`, name);
  }
}

/**
 * Where the MAC value is in a file's bytes: after `field` (its key and opening quote, as the
 * format spells them) up to the next quote, both within the first `limit` bytes.
 */
export function macValueRange(
  bytes: Buffer,
  field: Buffer,
  limit = bytes.length,
): [number, number] | undefined {
  const at = bytes.indexOf(field);
  if (at < 0 || at > limit) return undefined;
  const start = at + field.length;
  const end = bytes.indexOf(0x22, start);
  if (end < 0 || end > limit) return undefined;
  return [start, end];
}
