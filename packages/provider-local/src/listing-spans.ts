// The listing of a v2 file as places in the bytes of its `secrets` section: for a tool that
// prints the listing of a large store, a string per name and per date (and the collector's work
// to keep them) costs more than reading the file. Only a section spelled as hush writes it, in
// ASCII, with dates as `toISOString` spells them, is read this way; any other is left to
// `readListing`, which reads what this reader declines.

/** A date as `Date.prototype.toISOString` spells it from year 0 to 9999: 24 characters. */
const ISO =
  '[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z';

/** Printable ASCII but `"` and `\`: a JSON string of these is its own text. */
const NAME = '[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*';

/** One entry of a secret with one version and no tags, as hush writes it, then `,` or not, and the newline. */
const LINE = new RegExp(
  `"${NAME}":\\{"createdAt":"${ISO}","versions":\\{"[1-9][0-9]{0,14}":\\{"createdAt":"${ISO}"(?:,"expiresAt":"${ISO}")?\\}\\}\\},?\\n`,
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

/** The shortest line `LINE` matches: an empty name, a one-digit version, no expiry, no comma. */
const SHORTEST_LINE = 2 + NAME_TO_VERSION + 1 + VERSION_TO_DATE + 24 + 1 + 3 + 1;

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
    const comma = text.charCodeAt(lineEnd - 2) === 0x2c;
    if (comma !== lineEnd < text.length) return undefined; // every line but the last ends in a comma
    const closing = text.indexOf('"', at + 1);
    // Strictly ascending: the order a whole parse sorts names in, and no name twice.
    const name = text.slice(at + 1, closing);
    if (previous !== undefined && !(name > previous)) return undefined;
    previous = name;
    // Read back from the line's end: `}}}`, then the expiry's closing quote or the date's.
    const braces = lineEnd - (comma ? 5 : 4);
    const expires = text.charCodeAt(braces - EXPIRY) === 0x2c ? braces - 25 : -1;
    const updated = (expires < 0 ? braces : braces - EXPIRY) - 25;
    if (!calendarDate(text, updated) || (expires >= 0 && !calendarDate(text, expires))) return undefined;
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

/**
 * Whether the ISO date at `at` (shaped as `ISO` allows) names a day of its month: `Date` would
 * read 31 April as 1 May, and a listing shows the date as `Date` reads it. Only days 29 to 31
 * need a look.
 */
function calendarDate(text: string, at: number): boolean {
  const tens = text.charCodeAt(at + 8);
  // A day below 29: every month has it.
  if (tens < 0x32 || (tens === 0x32 && text.charCodeAt(at + 9) < 0x39)) return true;
  const date = text.slice(at, at + 24);
  return new Date(date).toISOString() === date;
}
