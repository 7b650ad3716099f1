import { createHmac } from 'node:crypto';
import type { SecretInfo } from '@hush/core';
import { equalBase64, FORMAT_V1, hmacParts } from './crypto.js';
import { type ListingColumns, listInfos, metaColumns } from './listing.js';
import {
  checkEntry,
  checkHeader,
  macValueRange,
  parseStore,
  type StoreDocument,
  type StoredMeta,
  type StoredSecret,
  type StoreHeader,
} from './store-file.js';
import type { StoreView } from './store-view.js';

// The first format, `hush.local/v1`, read until the first write rewrites it as v2: one
// pretty-printed document, the header fields at an indent of two, then `"secrets": {`, then each
// entry sorted by name, its key at an indent of exactly four and everything inside it deeper. A
// file whose MAC verifies was written so, and one entry is found by its key line in the bytes.

const MAC_FIELD = '"mac": "';
const MAC_FIELD_BYTES = Buffer.from(MAC_FIELD);
const SECRETS_FIELD = Buffer.from(',\n  "secrets": ');
const FIRST_ENTRY = Buffer.from('{\n    "');
const NO_ENTRIES = Buffer.from('{}\n}');
const END = Buffer.from('\n    }\n  }\n}\n');
const END_EMPTY = Buffer.from('{}\n}\n');
const ENTRY_END = Buffer.from('\n    }');

/**
 * The file MAC of a first-format file: HMAC-SHA256 over the whole text with the MAC value blanked,
 * line endings as LF. The parsed document must carry the same MAC.
 */
export function verifyV1FileMac(text: string, doc: StoreHeader, macKey: Buffer): boolean {
  const start = text.indexOf(MAC_FIELD) + MAC_FIELD.length;
  if (start < MAC_FIELD.length) return false;
  const end = text.indexOf('"', start);
  if (text.slice(start, end) !== doc.mac) return false;
  const blanked = text.slice(0, start) + text.slice(end);
  const input = blanked.includes('\r\n') ? blanked.replace(/\r\n/g, '\n') : blanked;
  return equalBase64(doc.mac, hmacParts(macKey, [`${FORMAT_V1} file`, input]));
}

/** `verifyV1FileMac` over the bytes of a file with LF line endings, without decoding them. */
function verifyV1MacBytes(bytes: Buffer, header: StoreHeader, macKey: Buffer): boolean {
  const range = macValueRange(bytes, MAC_FIELD_BYTES);
  if (!range) return false;
  const [start, end] = range;
  if (bytes.toString('latin1', start, end) !== header.mac) return false;
  const mac = createHmac('sha256', macKey)
    .update(`${FORMAT_V1} file\n`)
    .update(bytes.subarray(0, start))
    .update(bytes.subarray(end))
    .update('\n')
    .digest('base64');
  return equalBase64(header.mac, mac);
}

/** A first-format file in the layout hush wrote it in: one entry found by its key line. */
export class V1View implements StoreView {
  private constructor(
    readonly header: StoreHeader,
    private readonly bytes: Buffer,
    private readonly entriesAt: number,
    private readonly path: string,
  ) {}

  /** The view of a v1 file in hush's layout (LF line endings); undefined for anything else. */
  static of(bytes: Buffer, path: string): V1View | undefined {
    const at = bytes.indexOf(SECRETS_FIELD);
    if (at < 0 || bytes.includes(0x0d)) return undefined;
    const entriesAt = at + SECRETS_FIELD.length;
    const empty = bytes.subarray(entriesAt, entriesAt + NO_ENTRIES.length).equals(NO_ENTRIES);
    if (!empty && !bytes.subarray(entriesAt, entriesAt + FIRST_ENTRY.length).equals(FIRST_ENTRY))
      return undefined;
    const end = empty ? END_EMPTY : END;
    if (bytes.length < end.length || !bytes.subarray(bytes.length - end.length).equals(end)) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(`${bytes.toString('utf8', 0, at)}}`);
    } catch {
      return undefined;
    }
    const header = checkHeader(raw, path);
    return header.format === FORMAT_V1 ? new V1View(header, bytes, entriesAt, path) : undefined;
  }

  verifyMac(macKey: Buffer): boolean {
    return verifyV1MacBytes(this.bytes, this.header, macKey);
  }

  entry(name: string): StoredSecret | undefined {
    const key = Buffer.from(`\n    ${JSON.stringify(name)}: {`);
    const start = this.bytes.indexOf(key, this.entriesAt);
    if (start < 0) return undefined;
    const open = start + key.length - 1;
    // Inside an entry every line is indented deeper than four: the first `\n    }` closes it.
    const close = this.bytes.indexOf(ENTRY_END, open);
    if (close < 0) return undefined;
    const secret = JSON.parse(this.bytes.toString('utf8', open, close + ENTRY_END.length)) as StoredSecret;
    checkEntry(name, secret, this.path);
    return secret;
  }

  metas(): Record<string, StoredMeta> {
    return this.document().secrets;
  }

  infos(provider: string, prefix: string): SecretInfo[] {
    return listInfos(provider, this.metas(), prefix, this.path);
  }

  columns(prefix: string): ListingColumns {
    return metaColumns(this.metas(), prefix, this.path);
  }

  spans(): undefined {
    return undefined;
  }

  document(): StoreDocument {
    return parseStore(this.bytes.toString('utf8'), this.path);
  }
}
