import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, IntegrityError } from '@hush/core';
import { FORMAT, type KdfParams, type SealedValue, hmacParts, sealedDigest } from './crypto.js';

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

const digestCache = new WeakMap<StoredVersion, string>();

function digestOf(version: StoredVersion): string {
  let digest = digestCache.get(version);
  if (digest === undefined) {
    digest = sealedDigest(version);
    digestCache.set(version, digest);
  }
  return digest;
}

export function versionNumbers(secret: StoredSecret): number[] {
  return Object.keys(secret.versions)
    .map(Number)
    .sort((a, b) => a - b);
}

function sortedPairs(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sortedNames(doc: Pick<StoreDocument, 'secrets'>): string[] {
  return Object.keys(doc.secrets).sort();
}

/**
 * The file MAC covers the header and, for every secret in name order, its metadata and the
 * digest of each version's ciphertext: entries removed, added, rolled back or re-tagged are
 * detected without decrypting a single value.
 */
export function computeMac(macKey: Buffer, doc: Omit<StoreDocument, 'mac'>): string {
  const header = JSON.stringify([doc.format, doc.storeId, doc.kdf, doc.keyCheck, doc.generation]);
  function* parts(): Generator<string> {
    yield header;
    for (const name of sortedNames(doc)) {
      const secret = doc.secrets[name]!;
      const versions = versionNumbers(secret).map((n) => {
        const v = secret.versions[String(n)]!;
        return [String(n), v.createdAt, v.expiresAt ?? null, digestOf(v)];
      });
      yield JSON.stringify([name, secret.createdAt, secret.scope ?? null, sortedPairs(secret.tags), sortedPairs(secret.metadata), versions]);
    }
  }
  return hmacParts(macKey, parts());
}

/** Stable key order everywhere, so unchanged entries serialise to identical bytes. */
export function serialize(doc: StoreDocument): string {
  const secrets: Record<string, StoredSecret> = {};
  for (const name of sortedNames(doc)) {
    const s = doc.secrets[name]!;
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
    secrets[name] = {
      createdAt: s.createdAt,
      ...(s.scope !== undefined ? { scope: s.scope } : {}),
      ...(s.tags && Object.keys(s.tags).length ? { tags: Object.fromEntries(sortedPairs(s.tags)) } : {}),
      ...(s.metadata && Object.keys(s.metadata).length ? { metadata: Object.fromEntries(sortedPairs(s.metadata)) } : {}),
      versions,
    };
  }
  const ordered: StoreDocument = {
    format: doc.format,
    storeId: doc.storeId,
    kdf: doc.kdf,
    keyCheck: doc.keyCheck,
    generation: doc.generation,
    mac: doc.mac,
    secrets,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringRecord = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every(isString);

/** Parses and checks the shape; cryptographic checks come after (they need the key). */
export function parseStore(text: string, path: string): StoreDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const conflict = /^(<<<<<<<|>>>>>>>|=======)/m.test(text);
    throw new IntegrityError(
      `store ${path} is not valid JSON${conflict ? ' (it holds unresolved git merge conflict markers)' : ' (truncated or edited by hand?)'}`,
      undefined,
      { hint: conflict ? 'resolve the conflict, then run `hush reseal`' : `restore a backup from ${join(dirname(path), 'backups')}` },
    );
  }
  const bad = (what: string): never => {
    throw new IntegrityError(`store ${path} is malformed: ${what}`);
  };
  if (!isRecord(raw)) return bad('not an object');
  if (raw.format !== FORMAT) {
    throw new ConfigError(`store ${path} has format ${JSON.stringify(raw.format)}; this version reads '${FORMAT}'`);
  }
  if (!isString(raw.storeId) || !isString(raw.keyCheck) || !isString(raw.mac)) bad('missing storeId, keyCheck or mac');
  if (!Number.isSafeInteger(raw.generation) || (raw.generation as number) < 0) bad('generation is not a counter');
  const kdf = raw.kdf;
  if (!isRecord(kdf) || !isString(kdf.salt)) return bad('kdf is missing');
  if (kdf.name === 'scrypt') {
    if (![kdf.N, kdf.r, kdf.p].every((n) => Number.isSafeInteger(n))) bad('scrypt parameters are not integers');
  } else if (kdf.name !== 'hkdf-sha256') bad(`unknown kdf ${JSON.stringify(kdf.name)}`);
  if (!isRecord(raw.secrets)) return bad('secrets is not an object');
  for (const [name, secret] of Object.entries(raw.secrets)) {
    if (!isRecord(secret) || !isString(secret.createdAt) || !isRecord(secret.versions)) bad(`entry '${name}'`);
    const s = secret as Record<string, unknown>;
    if (s.scope !== undefined && !isString(s.scope)) bad(`scope of '${name}'`);
    if (s.tags !== undefined && !isStringRecord(s.tags)) bad(`tags of '${name}'`);
    if (s.metadata !== undefined && !isStringRecord(s.metadata)) bad(`metadata of '${name}'`);
    const versions = s.versions as Record<string, unknown>;
    if (Object.keys(versions).length === 0) bad(`'${name}' has no version`);
    for (const [n, v] of Object.entries(versions)) {
      if (!/^[1-9][0-9]*$/.test(n)) bad(`version '${n}' of '${name}'`);
      if (!isRecord(v) || ![v.createdAt, v.iv, v.ct, v.tag].every(isString)) bad(`version ${n} of '${name}'`);
      if ((v as Record<string, unknown>).expiresAt !== undefined && !isString((v as Record<string, unknown>).expiresAt))
        bad(`expiry of version ${n} of '${name}'`);
    }
  }
  return raw as unknown as StoreDocument;
}

/** ssh-style check: a secret-bearing file must not be readable or writable by group or others. */
export function assertPrivate(path: string, mode: number, what: string, allowInsecure: boolean): void {
  if (allowInsecure || process.platform === 'win32') return;
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(`${what} ${path} is accessible by group or others (mode ${octal}); refusing to use it`, {
      hint: `fix it with: chmod 600 ${path}   (or set allowInsecurePermissions: true to override)`,
    });
  }
}

export interface FileSnapshot {
  text: string;
  /** Identifies this exact file: a rename or rewrite changes it. */
  stamp: string;
  mode: number;
}

/** Reads through one descriptor so that the stamp and the text describe the same file. Null if absent. */
export async function readSnapshot(path: string): Promise<FileSnapshot | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, stamp: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`, mode: stat.mode };
  } finally {
    await handle.close();
  }
}

export async function statStamp(path: string): Promise<string | null> {
  try {
    const stat = await fs.stat(path);
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Creates the folder 0700 when missing. Returns true when it had to be created. */
export async function ensurePrivateDir(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      return true;
    }
    throw error;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or sync a directory; the rename is still atomic there.
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

const tempPrefix = (path: string) => `.${basename(path)}.`;

/**
 * Atomic replacement: write a temp file in the same folder (0600), fsync it, rename it over
 * the target, fsync the folder. A crash at any instant leaves the old file or the new one.
 * `beforeRename` runs last, so a caller can abort (e.g. when its lock was compromised).
 */
export async function writeFileAtomic(path: string, text: string, beforeRename?: () => void): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    beforeRename?.();
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files left by writers that crashed: those whose process (named in the file name) is gone. */
export async function removeLeftoverTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
      .filter((n) => {
        const pid = Number(n.slice(prefix.length).split('.')[0]);
        return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid);
      })
      .map((n) => fs.rm(join(dir, n), { force: true })),
  );
}
