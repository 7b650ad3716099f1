import { checkHeader, type StoredSecret, type StoreHeader } from './store-file.js';

// hush writes its store in one canonical layout (see `serializeSigned`): the header fields at an
// indent of two, then `"secrets": {`, then each entry, sorted by name, its key at an indent of
// exactly four and everything inside it deeper. A file whose MAC verifies was written that way
// (by a write or by `reseal`), so one entry can be found by its key line in the bytes and parsed
// alone, instead of decoding and parsing ten thousand entries to read one.

const SECRETS_FIELD = Buffer.from(',\n  "secrets": ');
const FIRST_ENTRY = Buffer.from('{\n    "');
const NO_ENTRIES = Buffer.from('{}\n}');
const END = Buffer.from('\n    }\n  }\n}\n');
const END_EMPTY = Buffer.from('{}\n}\n');
const ENTRY_END = Buffer.from('\n    }');

/**
 * The header of a file in the canonical layout, parsed without its entries; undefined when the
 * bytes are not laid out so (CRLF line endings, edited by hand: the caller parses the whole file).
 */
export function readHeader(
  bytes: Buffer,
  path: string,
): { header: StoreHeader; entriesAt: number } | undefined {
  if (bytes.includes(0x0d)) return undefined;
  const at = bytes.indexOf(SECRETS_FIELD);
  if (at < 0) return undefined;
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
  return { header: checkHeader(raw, path), entriesAt };
}

/**
 * One entry of a canonical file, found by its key line and parsed alone; undefined when the file
 * has no such entry. Only for bytes whose layout `readHeader` accepted.
 */
export function findEntry(bytes: Buffer, entriesAt: number, name: string): StoredSecret | undefined {
  const key = Buffer.from(`\n    ${JSON.stringify(name)}: {`);
  const start = bytes.indexOf(key, entriesAt);
  if (start < 0) return undefined;
  const open = start + key.length - 1;
  // Inside an entry every line is indented deeper than four: the first `\n    }` closes it.
  const close = bytes.indexOf(ENTRY_END, open);
  if (close < 0) return undefined;
  return JSON.parse(bytes.toString('utf8', open, close + ENTRY_END.length)) as StoredSecret;
}
