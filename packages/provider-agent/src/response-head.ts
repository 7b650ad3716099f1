// The head of an HTTP/1.1 response from the agent, read from its bytes without building strings:
// the status, how the body is framed, and whether the connection stays open.

/** Where a head ends: the blank line after the last header. */
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** Longest head accepted: the agent's are a few hundred bytes. */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface ResponseHead {
  status: number;
  /** Bytes of the head, blank line included: the body starts here. */
  length: number;
  /** The body's length; -1 when the body runs until the connection closes. */
  contentLength: number;
  /** The agent closes the connection after this response. */
  close: boolean;
  /** Framing this client does not read (chunked): the response is refused. */
  chunked: boolean;
}

/** Why a response cannot be read; the connection is then dropped. */
export class ResponseFormatError extends Error {
  readonly code = 'BAD_RESPONSE';
}

/**
 * The head at the start of `bytes`, or undefined while it is not complete. Throws a
 * `ResponseFormatError` for a head that is not HTTP/1.x or is too large.
 */
export function parseHead(bytes: Buffer): ResponseHead | undefined {
  const end = bytes.indexOf(HEAD_END);
  if (end < 0) {
    if (bytes.length > MAX_HEAD_BYTES) throw new ResponseFormatError('the response head is too large');
    return undefined;
  }
  // "HTTP/1.1 200 OK": the version, then three digits.
  if (end < 12 || !startsWith(bytes, 0, 'http/1.') || bytes[8] !== SPACE)
    throw new ResponseFormatError('the response is not HTTP/1.x');
  const status = digit(bytes[9]) * 100 + digit(bytes[10]) * 10 + digit(bytes[11]);
  if (!(status >= 100 && status < 600)) throw new ResponseFormatError('the response has no status code');
  const head: ResponseHead = {
    status,
    length: end + 4,
    contentLength: status === 204 || status === 304 ? 0 : -1,
    close: bytes[7] === ZERO, // HTTP/1.0 closes unless told otherwise; the agent speaks 1.1
    chunked: false,
  };
  let line = bytes.indexOf(LF, 0) + 1;
  while (line < end) {
    const next = bytes.indexOf(LF, line);
    const stop = next < 0 || next > end ? end : next - 1;
    readHeader(bytes, line, stop, head);
    line = next < 0 ? end : next + 1;
  }
  return head;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const ZERO = 0x30;
const COLON = 0x3a;

/** One header line, `start` to `stop` (its CR excluded). */
function readHeader(bytes: Buffer, start: number, stop: number, head: ResponseHead): void {
  const colon = bytes.indexOf(COLON, start);
  if (colon < 0 || colon > stop) return;
  const nameLength = colon - start;
  let value = colon + 1;
  while (value < stop && (bytes[value] === SPACE || bytes[value] === TAB)) value++;
  if (nameLength === 14 && startsWith(bytes, start, 'content-length')) {
    let length = 0;
    let digits = 0;
    for (let i = value; i < stop && bytes[i] !== SPACE && bytes[i] !== TAB; i++, digits++) {
      const d = digit(bytes[i]);
      if (Number.isNaN(d)) throw new ResponseFormatError('the response has a bad Content-Length');
      length = length * 10 + d;
    }
    if (digits === 0 || digits > 15) throw new ResponseFormatError('the response has a bad Content-Length');
    if (head.contentLength !== 0) head.contentLength = length;
  } else if (nameLength === 10 && startsWith(bytes, start, 'connection')) {
    if (startsWith(bytes, value, 'close')) head.close = true;
    else if (startsWith(bytes, value, 'keep-alive')) head.close = false;
  } else if (nameLength === 17 && startsWith(bytes, start, 'transfer-encoding')) {
    head.chunked = true;
  }
}

/** ASCII `lower` at `offset`, whatever the case of the bytes. */
function startsWith(bytes: Buffer, offset: number, lower: string): boolean {
  if (offset + lower.length > bytes.length) return false;
  for (let i = 0; i < lower.length; i++)
    if ((bytes[offset + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function digit(byte: number | undefined): number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : Number.NaN;
}
