import { createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ConfigError, IntegrityError } from '@hush/core';
import { equalBase64, FORMAT, hmacParts, type KdfParams, kdfProblem, type SealedValue } from './crypto.js';

/** One version of a secret: its encrypted value and dates. */
export interface StoredVersion extends SealedValue {
  createdAt: string;
  expiresAt?: string;
}

export interface StoredSecret {
  createdAt: string;
  scope?: string;
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  /** Keyed by version number ("1", "2", ...); the highest is current. */
  versions: Record<string, StoredVersion>;
}

/** The whole file. Names, dates and tags are clear text (readable diffs); values are not. */
export interface StoreDocument {
  format: typeof FORMAT;
  storeId: string;
  kdf: KdfParams;
  keyCheck: string;
  /** Incremented by every write; a lower generation than one already seen is a replayed file. */
  generation: number;
  mac: string;
  secrets: Record<string, StoredSecret>;
}

export function versionNumbers(secret: StoredSecret): number[] {
  return Object.keys(secret.versions)
    .map(Number)
    .sort((a, b) => a - b);
}

function sortedPairs(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Serialised text of each entry, keyed by the entry object. Writers replace an entry object when
 * they change it, so an untouched entry is never serialised (or encrypted) again: its bytes in
 * the file stay identical and a write into a large store costs little more than the I/O.
 */
const entryText = new WeakMap<StoredSecret, string>();

function serializeEntry(name: string, s: StoredSecret): string {
  let text = entryText.get(s);
  if (text === undefined) {
    const versions: Record<string, StoredVersion> = {};
    for (const n of versionNumbers(s)) {
      const v = s.versions[String(n)]!;
      versions[String(n)] = {
        createdAt: v.createdAt,
        ...(v.expiresAt ? { expiresAt: v.expiresAt } : {}),
        iv: v.iv,
        ct: v.ct,
        tag: v.tag,
      };
    }
    const ordered = {
      createdAt: s.createdAt,
      ...(s.scope !== undefined ? { scope: s.scope } : {}),
      ...(s.tags && Object.keys(s.tags).length ? { tags: Object.fromEntries(sortedPairs(s.tags)) } : {}),
      ...(s.metadata && Object.keys(s.metadata).length
        ? { metadata: Object.fromEntries(sortedPairs(s.metadata)) }
        : {}),
      versions,
    };
    text = JSON.stringify(ordered, null, 2).replace(/\n/g, '\n    ');
    entryText.set(s, text);
  }
  return `    ${JSON.stringify(name)}: ${text}`;
}

const MAC_FIELD = '"mac": "';

/** The bytes the file MAC covers: the whole file with the MAC value blanked, line endings as LF. */
function macInput(text: string): string {
  const start = text.indexOf(MAC_FIELD) + MAC_FIELD.length;
  const end = text.indexOf('"', start);
  const blanked = text.slice(0, start) + text.slice(end);
  return blanked.includes('\r\n') ? blanked.replace(/\r\n/g, '\n') : blanked;
}

/**
 * Serialises with stable key order everywhere (names sorted, fields in a fixed order), then
 * signs: the file MAC is HMAC-SHA256, under its own subkey, over every byte of the file but the
 * MAC itself. Entries added, removed, rolled back, re-tagged or moved all change those bytes;
 * nothing needs decrypting to check it.
 */
export function serializeSigned(
  doc: Omit<StoreDocument, 'mac'>,
  macKey: Buffer,
): { text: string; mac: string } {
  const header = JSON.stringify(
    {
      format: doc.format,
      storeId: doc.storeId,
      kdf: doc.kdf,
      keyCheck: doc.keyCheck,
      generation: doc.generation,
      mac: '',
    },
    null,
    2,
  );
  const names = Object.keys(doc.secrets).sort();
  const body = names.length
    ? `{\n${names.map((n) => serializeEntry(n, doc.secrets[n]!)).join(',\n')}\n  }`
    : '{}';
  const unsigned = `${header.slice(0, -2)},\n  "secrets": ${body}\n}\n`;
  const mac = hmacParts(macKey, [`${FORMAT} file`, macInput(unsigned)]);
  const at = unsigned.indexOf(MAC_FIELD) + MAC_FIELD.length;
  return { text: unsigned.slice(0, at) + mac + unsigned.slice(at), mac };
}

/** Checks the file MAC over the text as read (the parsed document must carry the same MAC). */
export function verifyFileMac(text: string, doc: StoreHeader, macKey: Buffer): boolean {
  const start = text.indexOf(MAC_FIELD) + MAC_FIELD.length;
  if (start < MAC_FIELD.length || text.slice(start, text.indexOf('"', start)) !== doc.mac) return false;
  return equalBase64(doc.mac, hmacParts(macKey, [`${FORMAT} file`, macInput(text)]));
}

const MAC_FIELD_BYTES = Buffer.from(MAC_FIELD);

/**
 * `verifyFileMac` over the bytes as read, for a file with LF line endings: the same HMAC input
 * (the bytes are the UTF-8 text that was signed), without decoding or copying megabytes.
 */
export function verifyFileMacBytes(bytes: Buffer, doc: StoreHeader, macKey: Buffer): boolean {
  const found = bytes.indexOf(MAC_FIELD_BYTES);
  if (found < 0) return false;
  const start = found + MAC_FIELD_BYTES.length;
  const end = bytes.indexOf(0x22, start);
  if (end < 0 || bytes.toString('latin1', start, end) !== doc.mac) return false;
  const mac = createHmac('sha256', macKey)
    .update(`${FORMAT} file\n`)
    .update(bytes.subarray(0, start))
    .update(bytes.subarray(end))
    .update('\n')
    .digest('base64');
  return equalBase64(doc.mac, mac);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringRecord = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every(isString);

/** The file without its entries: what the key, MAC and generation checks need. */
export type StoreHeader = Omit<StoreDocument, 'secrets'>;

/**
 * Parses and checks the header; entries are checked one by one when used (`checkEntry`), so a
 * read of one secret does not walk all of them. Cryptographic checks come after (they need the key).
 */
export function parseStore(text: string, path: string): StoreDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const conflict = /^(<<<<<<<|>>>>>>>|=======)/m.test(text);
    throw new IntegrityError(
      `store ${path} is not valid JSON${conflict ? ' (it holds unresolved git merge conflict markers)' : ' (truncated or edited by hand?)'}`,
      undefined,
      {
        hint: conflict
          ? 'resolve the conflict, then run `hush reseal`'
          : `restore a backup from ${join(dirname(path), 'backups')}`,
      },
    );
  }
  const header = checkHeader(raw, path);
  const secrets = (raw as Record<string, unknown>).secrets;
  if (!isRecord(secrets)) throw new IntegrityError(`store ${path} is malformed: secrets is not an object`);
  // No prototype: names such as `constructor` or `__proto__` are plain entries.
  return { ...header, secrets: Object.assign(Object.create(null), secrets) };
}

/** Checks the header fields of a parsed file (format, ids, generation, key-derivation parameters). */
export function checkHeader(raw: unknown, path: string): StoreHeader {
  const bad = (what: string): never => {
    throw new IntegrityError(`store ${path} is malformed: ${what}`);
  };
  if (!isRecord(raw)) return bad('not an object');
  if (raw.format !== FORMAT) {
    throw new ConfigError(
      `store ${path} has format ${JSON.stringify(raw.format)}; this version reads '${FORMAT}'`,
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
    format: FORMAT,
    storeId: raw.storeId as string,
    kdf: kdf as unknown as KdfParams,
    keyCheck: raw.keyCheck as string,
    generation: raw.generation as number,
    mac: raw.mac as string,
  };
}

/** Checks one entry's shape before it is used. */
export function checkEntry(name: string, secret: StoredSecret, path: string): void {
  const bad = (what: string): never => {
    throw new IntegrityError(`store ${path} is malformed: ${what}`, name);
  };
  const s = secret as unknown as Record<string, unknown>;
  if (!isRecord(s) || !isString(s.createdAt) || !isRecord(s.versions)) bad(`entry '${name}'`);
  if (s.scope !== undefined && !isString(s.scope)) bad(`scope of '${name}'`);
  if (s.tags !== undefined && !isStringRecord(s.tags)) bad(`tags of '${name}'`);
  if (s.metadata !== undefined && !isStringRecord(s.metadata)) bad(`metadata of '${name}'`);
  const versions = s.versions as Record<string, unknown>;
  if (Object.keys(versions).length === 0) bad(`'${name}' has no version`);
  for (const [n, v] of Object.entries(versions)) {
    if (!/^[1-9][0-9]*$/.test(n)) bad(`version '${n}' of '${name}'`);
    if (!isRecord(v) || ![v.createdAt, v.iv, v.ct, v.tag].every(isString)) bad(`version ${n} of '${name}'`);
    const expiresAt = (v as Record<string, unknown>).expiresAt;
    if (expiresAt !== undefined && !isString(expiresAt)) bad(`expiry of version ${n} of '${name}'`);
  }
}
