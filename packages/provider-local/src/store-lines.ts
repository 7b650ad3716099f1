import { createHmac, type Hmac } from 'node:crypto';
import { equalBase64, FORMAT } from './crypto.js';
import {
  checkHeader,
  joinEntry,
  macValueRange,
  type StoreDocument,
  type StoredMeta,
  type StoredSecret,
  type StoreHeader,
  versionNumbers,
} from './store-file.js';

// The layout of a `hush.local/v2` file: still one JSON document, one line per secret.
//
//   {"format":"hush.local/v2","storeId":…,"kdf":{…},"keyCheck":…,"generation":7,"mac":"…",
//   "secrets":{
//   "api/key":{"createdAt":…,"tags":{…},"versions":{"1":{"createdAt":…},"2":{…}}},
//   "db/url":{…}
//   },
//   "sealed":{
//   "api/key":{"1":{"iv":…,"ct":…,"tag":…},"2":{…}},
//   "db/url":{…}
//   }}
//
// Dates and tags (`secrets`) are kept apart from the ciphertexts (`sealed`), so that a listing
// parses the first section alone. Within each section the lines are sorted by the bytes of their
// JSON-encoded name: one secret is found by a binary search over the lines and parses alone. The
// file MAC covers every byte but the MAC value, and is checked over the bytes as read.

const HEADER_START = Buffer.from(`{"format":"${FORMAT}",`);
const SECRETS_LINE = Buffer.from('"secrets":{\n');
const BETWEEN = Buffer.from('},\n"sealed":{\n');
const END = Buffer.from('}}\n');
const MAC_FIELD = Buffer.from('"mac":"');
const NEWLINE = 0x0a;

/** Where the sections of a file in this layout are: byte ranges of whole lines. */
export interface Layout {
  header: StoreHeader;
  /** Lines `"name":{dates, tags, versions}` (each ending in `,\n`, the last in `\n`). */
  meta: [number, number];
  sealed: [number, number];
  /** Where the MAC value is in the header line. */
  mac: [number, number];
}

/** The header line of a v2 file and where the `secrets` section begins. */
export interface HeaderLine {
  header: StoreHeader;
  /** Where the first line of the `secrets` section begins. */
  metaStart: number;
  /** Where the MAC value is in the header line. */
  mac: [number, number];
}

/**
 * The header of a v2 file in the layout hush writes, from the file's first bytes (the header line
 * and the `"secrets":{` line after it); undefined for anything else. Nothing here is trusted
 * before the file MAC is checked.
 */
export function readHeaderLine(bytes: Buffer, path: string): HeaderLine | undefined {
  if (!bytes.subarray(0, HEADER_START.length).equals(HEADER_START)) return undefined;
  const headerEnd = bytes.indexOf(NEWLINE);
  if (headerEnd < 1 || bytes[headerEnd - 1] !== 0x2c) return undefined;
  const metaStart = headerEnd + 1 + SECRETS_LINE.length;
  if (!bytes.subarray(headerEnd + 1, metaStart).equals(SECRETS_LINE)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(`${bytes.toString('utf8', 0, headerEnd - 1)}}`);
  } catch {
    return undefined;
  }
  const header = checkHeader(raw, path);
  const mac = macValueRange(bytes, MAC_FIELD, headerEnd);
  return mac ? { header, metaStart, mac } : undefined;
}

/**
 * The header and section ranges of a v2 file in the layout hush writes; undefined for anything
 * else (another format, a reformatted or hand-merged file: the caller parses it whole). Nothing
 * here is trusted before the file MAC is checked.
 */
export function readLayout(bytes: Buffer, path: string): Layout | undefined {
  const head = readHeaderLine(bytes, path);
  if (!head) return undefined;
  // From the newline that ends the `"secrets":{` line: an empty section is found there too.
  const between = indexOfSectionEnd(bytes, head.metaStart - 1) + 1;
  if (between <= 0) return undefined;
  const sealed = sealedRange(bytes.length, between, bytes.subarray(-END.length - 1));
  return sealed && { header: head.header, meta: [head.metaStart, between], sealed, mac: head.mac };
}

/**
 * The `sealed` section of a file of `length` bytes whose `secrets` section ends at `between`,
 * given the file's last bytes (`END` and the byte before it); undefined when the file does not
 * end as hush ends it.
 */
export function sealedRange(length: number, between: number, last: Buffer): [number, number] | undefined {
  const sealedStart = between + BETWEEN.length;
  const sealedEnd = length - END.length;
  if (sealedEnd < sealedStart || !last.subarray(-END.length).equals(END)) return undefined;
  if (sealedEnd > sealedStart && last[last.length - END.length - 1] !== NEWLINE) return undefined;
  return [sealedStart, sealedEnd];
}

/** The end of the `secrets` section and the start of `sealed`, with the newline before it. */
export const SECTION_END = Buffer.from(`\n${BETWEEN.toString()}`);
/** `\n}`: where a line begins with a brace. Every line of a section begins with a quote. */
const BRACE_LINE = SECTION_END.subarray(0, 2);

/**
 * The first `\n},\n"sealed":{\n` at or after `from`, or -1. Found by its first two bytes, which
 * the lines of a section never begin with: a search for the whole marker would stop at every
 * newline and quote of the section it crosses, and costs a read of a large store several times more.
 */
export function indexOfSectionEnd(bytes: Buffer, from: number): number {
  for (let at = bytes.indexOf(BRACE_LINE, from); at >= 0; at = bytes.indexOf(BRACE_LINE, at + 1)) {
    if (bytes.subarray(at, at + SECTION_END.length).equals(SECTION_END)) return at;
  }
  return -1;
}

/** A v2 file's MAC begun: HMAC-SHA256 under its own subkey, to be fed every byte but the MAC value. */
export function beginFileMac(macKey: Buffer): Hmac {
  return createHmac('sha256', macKey).update(`${FORMAT} file\n`);
}

/** The file MAC of a v2 file over `bytes`, whose MAC value lies between `macStart` and `macEnd`. */
function fileMac(macKey: Buffer, bytes: Buffer, macStart: number, macEnd: number): string {
  return beginFileMac(macKey)
    .update(bytes.subarray(0, macStart))
    .update(bytes.subarray(macEnd))
    .digest('base64');
}

/** Checks the file MAC over the bytes as read, in any layout (the MAC value is found in the bytes). */
export function verifyFileMac(bytes: Buffer, header: StoreHeader, macKey: Buffer, layout?: Layout): boolean {
  const range = layout?.mac ?? macValueRange(bytes, MAC_FIELD);
  if (!range) return false;
  if (bytes.toString('latin1', range[0], range[1]) !== header.mac) return false;
  return equalBase64(header.mac, fileMac(macKey, bytes, range[0], range[1]));
}

/** What a binary search over sorted lines reads: a buffer, or a file read by position. */
export interface LineBytes {
  /** The byte at `at`. */
  at(at: number): number;
  /** The first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from: number): number;
  /** The last `byte` at or before `from`, or -1. */
  lastIndexOf(byte: number, from: number): number;
  /** The bytes from `start` to `end`. */
  slice(start: number, end: number): Buffer;
}

/** A buffer as `LineBytes`. */
export function bufferLines(bytes: Buffer): LineBytes {
  return {
    at: (at) => bytes[at]!,
    indexOf: (byte, from) => bytes.indexOf(byte, from),
    lastIndexOf: (byte, from) => (from < 0 ? -1 : bytes.lastIndexOf(byte, from)),
    slice: (start, end) => bytes.subarray(start, end),
  };
}

/**
 * The value of the line for `name` in a section (its text after `"name":`), found by a binary
 * search over the sorted lines; undefined when the section has no such line.
 */
export function findLine(
  bytes: Buffer | LineBytes,
  range: [number, number],
  name: string,
): string | undefined {
  const lines = Buffer.isBuffer(bytes) ? bufferLines(bytes) : bytes;
  const key = Buffer.from(`${JSON.stringify(name)}:`);
  let [lo, hi] = range;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = lines.lastIndexOf(NEWLINE, mid - 1) + 1;
    const lineStart = Math.max(start, lo);
    const end = lines.indexOf(NEWLINE, lineStart);
    const lineEnd = end < 0 || end > hi ? hi : end;
    const order = Buffer.compare(lines.slice(lineStart, Math.min(lineStart + key.length, lineEnd)), key);
    if (order === 0) {
      const valueEnd = lines.at(lineEnd - 1) === 0x2c ? lineEnd - 1 : lineEnd;
      return lines.slice(lineStart + key.length, valueEnd).toString('utf8');
    }
    if (order < 0) lo = lineEnd + 1;
    else hi = lineStart;
  }
  return undefined;
}

/** One secret of a v2 file in this layout, its two lines parsed alone; undefined when absent. */
export function readEntry(
  bytes: Buffer | LineBytes,
  layout: Layout,
  name: string,
  path: string,
): StoredSecret | undefined {
  const meta = findLine(bytes, layout.meta, name);
  if (meta === undefined) return undefined;
  const sealed = findLine(bytes, layout.sealed, name);
  return joinEntry(
    name,
    JSON.parse(meta) as StoredMeta,
    sealed === undefined ? undefined : JSON.parse(sealed),
    path,
  );
}

/** Every secret's dates, tags and versions, without a ciphertext: one parse of the first section. */
export function readMetas(bytes: Buffer, layout: Layout): Record<string, StoredMeta> {
  const [start, end] = layout.meta;
  // The section's lines inside braces are an object: `{\n"a":{…},\n"b":{…}\n}`.
  return JSON.parse(bytes.toString('utf8', start - 2, end + 1)) as Record<string, StoredMeta>;
}

/** Every secret's ciphertexts by name. */
export function readSealed(bytes: Buffer, layout: Layout): Record<string, unknown> {
  const [start, end] = layout.sealed;
  return JSON.parse(bytes.toString('utf8', start - 2, end + 1)) as Record<string, unknown>;
}

function sortedPairs(record: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!record) return undefined;
  const keys = Object.keys(record);
  if (keys.length === 0) return undefined;
  const sorted: Record<string, string> = {};
  for (const key of keys.sort()) sorted[key] = record[key]!;
  return sorted;
}

/**
 * The two lines of each entry, keyed by the entry object. Writers replace an entry object when
 * they change it, so an untouched entry is never serialised again: its lines stay identical and a
 * write into a large store costs little more than the I/O.
 */
const entryLines = new WeakMap<StoredSecret, { meta: string; sealed: string }>();

function linesOf(s: StoredSecret): { meta: string; sealed: string } {
  let lines = entryLines.get(s);
  if (lines === undefined) {
    const dates: Record<string, { createdAt: string; expiresAt?: string }> = {};
    const sealed: Record<string, { iv: string; ct: string; tag: string }> = {};
    for (const n of versionNumbers(s)) {
      const v = s.versions[String(n)]!;
      dates[n] = v.expiresAt
        ? { createdAt: v.createdAt, expiresAt: v.expiresAt }
        : { createdAt: v.createdAt };
      sealed[n] = { iv: v.iv, ct: v.ct, tag: v.tag };
    }
    const tags = sortedPairs(s.tags);
    const metadata = sortedPairs(s.metadata);
    const meta = {
      createdAt: s.createdAt,
      ...(s.scope !== undefined ? { scope: s.scope } : {}),
      ...(tags ? { tags } : {}),
      ...(metadata ? { metadata } : {}),
      versions: dates,
    };
    lines = { meta: JSON.stringify(meta), sealed: JSON.stringify(sealed) };
    entryLines.set(s, lines);
  }
  return lines;
}

const ASCII = /^[\x20-\x7e]*$/;

/** Names with their JSON encoding, in the order of the encoded bytes: the order `findLine` searches. */
function sortedKeys(names: string[]): [key: string, name: string][] {
  const keyed = names.map((name): [string, string] => [JSON.stringify(name), name]);
  if (keyed.every(([key]) => ASCII.test(key))) return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The file in the v2 layout with `mac` as its MAC value; `macStart` is where that value begins.
 * Untouched entries reuse their lines (see `linesOf`).
 */
export function layoutBytes(
  doc: Omit<StoreDocument, 'mac'>,
  mac: string,
): { bytes: Buffer; macStart: number } {
  const header = JSON.stringify({
    format: FORMAT,
    storeId: doc.storeId,
    kdf: doc.kdf,
    keyCheck: doc.keyCheck,
    generation: doc.generation,
    mac: '',
  });
  const meta: string[] = [];
  const sealed: string[] = [];
  for (const [key, name] of sortedKeys(Object.keys(doc.secrets))) {
    const lines = linesOf(doc.secrets[name]!);
    meta.push(`${key}:${lines.meta}`);
    sealed.push(`${key}:${lines.sealed}`);
  }
  const section = (lines: string[]) => (lines.length ? `${lines.join(',\n')}\n` : '');
  // `…"mac":""}` becomes the header line `…"mac":"<MAC>",`.
  const before = header.slice(0, -2);
  const after = `${mac}",\n"secrets":{\n${section(meta)}},\n"sealed":{\n${section(sealed)}}}\n`;
  return { bytes: Buffer.from(before + after), macStart: Buffer.byteLength(before) };
}

/** Serialises in the v2 layout and signs it (see `fileMac`). Returns the bytes and the MAC. */
export function serializeSigned(
  doc: Omit<StoreDocument, 'mac'>,
  macKey: Buffer,
): { bytes: Buffer; mac: string } {
  const { bytes, macStart } = layoutBytes(doc, '');
  const mac = fileMac(macKey, bytes, macStart, macStart);
  return {
    bytes: Buffer.concat([bytes.subarray(0, macStart), Buffer.from(mac), bytes.subarray(macStart)]),
    mac,
  };
}
