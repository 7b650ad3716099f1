import { TOKEN_HEADER } from '@hush/provider-agent';
import { plainReadName } from './requests.js';
import { tokenBytesMatch } from './token.js';

// The head of a request, read from its bytes by the plain-read lane. It accepts one shape only:
// `GET /v1/secret/NAME HTTP/1.1`, strict header grammar, one Host, no body, nothing that asks for
// more than a plain answer. Whatever else arrives is `OTHER`, and `node:http` reads it from its
// first byte: the lane never decides a request that HTTP's own parser would see differently.

/** A head not complete yet: wait for more bytes. */
export const INCOMPLETE = 0;
/** Anything but a plain read, or a head the lane does not vouch for: `node:http` serves it. */
export const OTHER = 1;

/** A plain read: the secret's name and the length of its head (it has no body). */
export interface PlainReadHead {
  name: string;
  length: number;
}

/** The longest head the lane waits for; a longer one goes to `node:http`, which answers it. */
export const MAX_HEAD_BYTES = 8 * 1024;

const REQUEST_START = Buffer.from('GET /v1/secret/', 'latin1');
const TARGET_START = 4; // after 'GET '
const VERSION_END = Buffer.from(' HTTP/1.1\r\n', 'latin1');

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/**
 * Reads the head at the start of `bytes`. `token` is what a TCP request must carry in the token
 * header; a request without it, or with another, is `OTHER` (the general path refuses it).
 */
export function readRequestHead(
  bytes: Buffer,
  token: Buffer | undefined,
): PlainReadHead | typeof INCOMPLETE | typeof OTHER {
  const end = bytes.length;
  for (let i = 0; i < REQUEST_START.length; i++) {
    if (i === end) return INCOMPLETE;
    if (bytes[i] !== REQUEST_START[i]) return OTHER;
  }
  let p = REQUEST_START.length;
  while (p < end && bytes[p] !== SP && bytes[p] !== CR && bytes[p] !== LF) p++;
  if (p === end) return pending(end);
  const name = plainReadName(bytes.toString('latin1', TARGET_START, p));
  if (name === undefined) return OTHER;
  for (let i = 0; i < VERSION_END.length; i++, p++) {
    if (p === end) return pending(end);
    if (bytes[p] !== VERSION_END[i]) return OTHER;
  }
  let hosts = 0;
  let tokenSeen = false;
  for (;;) {
    if (p + 1 >= end) return pending(end);
    if (bytes[p] === CR) {
      if (bytes[p + 1] !== LF) return OTHER;
      p += 2;
      break;
    }
    const nameStart = p;
    while (p < end && TOKEN_CHAR[bytes[p]!] === 1) p++;
    if (p === end) return pending(end);
    if (bytes[p] !== COLON || p === nameStart) return OTHER;
    const nameEnd = p++;
    while (p < end && (bytes[p] === SP || bytes[p] === HT)) p++;
    const valueStart = p;
    while (p < end && VALUE_CHAR[bytes[p]!] === 1) p++;
    if (p + 1 >= end) return pending(end);
    if (bytes[p] !== CR || bytes[p + 1] !== LF) return OTHER;
    let valueEnd = p;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HT)) valueEnd--;
    p += 2;
    switch (headerKind(bytes, nameStart, nameEnd)) {
      case HOST:
        hosts++;
        break;
      case CONNECTION:
        // Keep-alive is what the lane does; `close` and `upgrade` are node:http's to honour.
        if (!equalsLower(bytes, valueStart, valueEnd, KEEP_ALIVE)) return OTHER;
        break;
      case TOKEN:
        if (token === undefined) break;
        if (tokenSeen || !tokenBytesMatch(token, bytes.subarray(valueStart, valueEnd))) return OTHER;
        tokenSeen = true;
        break;
      case REFUSED:
        return OTHER;
    }
  }
  if (hosts !== 1 || (token !== undefined && !tokenSeen)) return OTHER;
  return { name, length: p };
}

/** Not complete: wait, unless the head is already longer than the lane waits for. */
function pending(available: number): typeof INCOMPLETE | typeof OTHER {
  return available > MAX_HEAD_BYTES ? OTHER : INCOMPLETE;
}

const IGNORED = 0;
const HOST = 1;
const CONNECTION = 2;
const TOKEN = 3;
/** Headers that make a request more than a plain read: a body, an upgrade, a proxy's marks. */
const REFUSED = 4;

const KNOWN = new Map<string, number>([
  ['host', HOST],
  ['connection', CONNECTION],
  [TOKEN_HEADER, TOKEN],
  ['content-length', REFUSED],
  ['transfer-encoding', REFUSED],
  ['expect', REFUSED],
  ['upgrade', REFUSED],
  ['x-forwarded-for', REFUSED],
  ['forwarded', REFUSED],
]);
const KNOWN_LENGTHS = new Set([...KNOWN.keys()].map((name) => name.length));
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');

function headerKind(bytes: Buffer, start: number, end: number): number {
  // Most headers a client sends (accept, user-agent...) are none of these: skip them by length.
  if (!KNOWN_LENGTHS.has(end - start)) return IGNORED;
  return KNOWN.get(bytes.toString('latin1', start, end).toLowerCase()) ?? IGNORED;
}

function equalsLower(bytes: Buffer, start: number, end: number, expected: Buffer): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if ((bytes[start + i]! | 0x20) !== expected[i]) return false;
  return true;
}

/** RFC 9110's tchar: what a header name is made of. */
const TOKEN_CHAR = byteClass((c) => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(String.fromCharCode(c)));
/** Visible ASCII, space and tab: a header value the lane accepts (no obs-text, no control). */
const VALUE_CHAR = byteClass((c) => c === SP || c === HT || (c > SP && c < 0x7f));

function byteClass(member: (c: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = member(c) ? 1 : 0;
  return table;
}
