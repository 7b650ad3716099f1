import type { SecretInfo } from '@hush/core';
import { infoSink, type ListingSink, sendMeta } from './listing.js';
import { checkMeta, type StoredMeta } from './store-file.js';
import type { Layout } from './store-lines.js';

// The listing of a v2 file read from the lines of its `secrets` section, one after the other,
// without parsing the section into objects first: in a listing of a large store, making those
// objects and collecting them costs more than anything else. A line spelled as hush writes the
// entry of a secret with one version and no tags (`linesOf` in store-lines.ts) is read by one
// regular expression; any other line is parsed and checked alone, as a whole parse would check
// it. A section this reader cannot vouch for as a whole (names out of order or repeated, commas
// astray, a line that is not one entry) is left to the whole parse.

/** A string without escapes or control characters: its text is its value. */
const PLAIN = '([^"\\\\\\x00-\\x1f]*)';

/** `"name":{"createdAt":"…","versions":{"N":{"createdAt":"…"[,"expiresAt":"…"]}}}` then `,` or not, and the newline. */
const SIMPLE_LINE = new RegExp(
  `"${PLAIN}":\\{"createdAt":"${PLAIN}","versions":\\{"([1-9][0-9]{0,14})":\\{"createdAt":"${PLAIN}"(?:,"expiresAt":"${PLAIN}")?\\}\\}\\}(,?)\\n`,
  'y',
);

/** The descriptions of the section's listing (see `readListing`); undefined when it must be parsed whole. */
export function listLines(
  bytes: Buffer,
  layout: Layout,
  provider: string,
  prefix: string,
  path: string,
): SecretInfo[] | undefined {
  const listed: SecretInfo[] = [];
  return readListing(bytes, layout, prefix, path, infoSink(provider, listed)) ? listed : undefined;
}

/**
 * Sends every secret of the section whose name starts with `prefix` to `sink`, in the order of
 * the names' UTF-16 code units (the order a whole parse sorts them in). False when the section
 * must be parsed whole instead: then `sink` may have had some of them, to be discarded.
 * Malformed entries fail as `checkMeta` fails them.
 */
export function readListing(
  bytes: Buffer,
  layout: Layout,
  prefix: string,
  path: string,
  sink: ListingSink,
): boolean {
  const [start, end] = layout.meta;
  const text = bytes.toString('utf8', start, end);
  let previous: string | undefined;
  for (let at = 0; at < text.length; ) {
    SIMPLE_LINE.lastIndex = at;
    const m = SIMPLE_LINE.exec(text);
    if (m !== null) {
      at = SIMPLE_LINE.lastIndex;
      const name = m[1]!;
      // Strictly ascending: no name twice; every line but the last ends in a comma.
      if (previous !== undefined && !(name > previous)) return false;
      if ((m[6] === ',') !== at < text.length) return false;
      previous = name;
      if (!prefix || name.startsWith(prefix))
        sink(name, m[2]!, m[3]!, m[4]!, m[5], undefined, undefined, undefined);
      continue;
    }
    const lineEnd = text.indexOf('\n', at);
    if (lineEnd < 0) return false;
    const last = lineEnd + 1 === text.length;
    if ((text.charCodeAt(lineEnd - 1) === 0x2c) !== !last) return false;
    const entry = parseLine(text.slice(at, last ? lineEnd : lineEnd - 1));
    if (entry === undefined || (previous !== undefined && !(entry.name > previous))) return false;
    previous = entry.name;
    at = lineEnd + 1;
    if (!prefix || entry.name.startsWith(prefix))
      sendMeta(sink, entry.name, entry.meta, checkMeta(entry.name, entry.meta, path));
  }
  return true;
}

/** One line `"name":{…}` (without its comma) parsed alone; undefined when it is not JSON or not one entry. */
function parseLine(line: string): { name: string; meta: StoredMeta } | undefined {
  let parsed: Record<string, StoredMeta>;
  try {
    parsed = JSON.parse(`{${line}}`) as Record<string, StoredMeta>;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const names = Object.keys(parsed);
  return names.length === 1 ? { name: names[0]!, meta: parsed[names[0]!]! } : undefined;
}
