// The listing of a v2 file as places in the bytes of its `secrets` section: for a tool that
// prints the listing of a large store, a string per name and per date (and the collector's work
// to keep them) costs more than reading the file. Only a section spelled as hush writes it, in
// ASCII, with dates as `toISOString` spells them, is read this way; any other is left to
// `readListing`, which reads what this reader declines.

/** A month and a day it has: 1 to 28 of any month, 29 and 30 of all but February, 31 of the long ones. */
const MONTH_DAY =
  '(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31';
/** 29 February of a leap year: divisible by 4, and by 400 when it ends a century. */
const LEAP_DAY = '(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29';
/**
 * A date as `Date.prototype.toISOString` spells it from year 0 to 9999 (24 characters), on a day
 * its month has: `Date` would read 31 April as 1 May, and a listing shows a date as `Date` reads it.
 */
const ISO = `(?:[0-9]{4}-(?:${MONTH_DAY})|${LEAP_DAY})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z`;

/** Printable ASCII but `"` and `\`: a JSON string of these is its own text. */
const NAME = '[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*';

/**
 * One entry of a secret with one version and no tags, as hush writes it, then a comma and the
 * newline, or (the section's last line only) the newline alone.
 */
const LINE = new RegExp(
  `"${NAME}":\\{"createdAt":"${ISO}","versions":\\{"[1-9][0-9]{0,14}":\\{"createdAt":"${ISO}"(?:,"expiresAt":"${ISO}")?\\}\\}\\}(?:,\\n(?!$)|\\n$)`,
  'y',
);

/** Characters from a name's closing quote to its version: `":{"createdAt":"` DATE `","versions":{"`. */
const NAME_TO_VERSION = 16 + 24 + 15;
/** From a version's closing quote to its date: `":{"createdAt":"`. */
const VERSION_TO_DATE = 16;
/** `,"expiresAt":"` DATE `"`: what an expiry adds before the line's `}}}`. */
const EXPIRY = 14 + 24 + 1;

/**
 * A store's listing as places in the text of its listing, one entry per secret in name order,
 * each field given by its offset in `text` (and its end, for the name and the version). The
 * text is ASCII; each date is 24 characters of ISO 8601 as `toISOString` writes it.
 */
export interface ListingSpans {
  /** The listing's text: ASCII, one byte per character. */
  readonly text: Uint8Array;
  /** How many secrets are listed: the length used of each column below. */
  readonly count: number;
  readonly nameStart: Int32Array;
  readonly nameEnd: Int32Array;
  readonly versionStart: Int32Array;
  readonly versionEnd: Int32Array;
  /** When each current version was made. */
  readonly updatedAt: Int32Array;
  /** When each current version expires; -1 for never. */
  readonly expiresAt: Int32Array;
}

/**
 * The shortest line `LINE` matches: the name's opening quote and an empty name, from its closing
 * quote to the version, a one-digit version, to the date, the date, its closing quote, `}}}` and
 * the newline (no expiry, no comma).
 */
const SHORTEST_LINE = 1 + NAME_TO_VERSION + 1 + VERSION_TO_DATE + 24 + 1 + 3 + 1;

/**
 * The listing of the secrets whose names start with `prefix`, from the lines of a `secrets`
 * section, as places in its text; undefined when a line is not one this reader vouches for (then
 * `readListing` reads it).
 */
export function readSpans(section: Buffer, prefix: string): ListingSpans | undefined {
  // latin1: one character per byte, so that places in the text are places in the bytes.
  const text = section.toString('latin1');
  // Room for as many secrets as the section has room for lines, so that no column grows.
  const most = Math.ceil(section.length / SHORTEST_LINE);
  const [nameStart, nameEnd, versionStart, versionEnd, updatedAt, expiresAt] = Array.from(
    { length: 6 },
    () => new Int32Array(most),
  ) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let count = 0;
  let previous: string | undefined;
  LINE.lastIndex = 0;
  for (let at = 0; at < text.length; at = LINE.lastIndex) {
    if (!LINE.test(text)) return undefined;
    const lineEnd = LINE.lastIndex;
    const comma = lineEnd < text.length;
    const closing = text.indexOf('"', at + 1);
    // Strictly ascending: the order a whole parse sorts names in, and no name twice.
    const name = text.slice(at + 1, closing);
    if (previous !== undefined && !(name > previous)) return undefined;
    previous = name;
    // Read back from the line's end: `}}}`, then the expiry's closing quote or the date's.
    const braces = lineEnd - (comma ? 5 : 4);
    const expires = text.charCodeAt(braces - EXPIRY) === 0x2c ? braces - 25 : -1;
    const updated = (expires < 0 ? braces : braces - EXPIRY) - 25;
    if (prefix && !name.startsWith(prefix)) continue;
    nameStart[count] = at + 1;
    nameEnd[count] = closing;
    versionStart[count] = closing + NAME_TO_VERSION;
    versionEnd[count] = updated - VERSION_TO_DATE;
    updatedAt[count] = updated;
    expiresAt[count] = expires;
    count++;
  }
  return { text: section, count, nameStart, nameEnd, versionStart, versionEnd, updatedAt, expiresAt };
}
