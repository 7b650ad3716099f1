import type { IncomingMessage } from 'node:http';
import { MAX_SECRET_NAME_LENGTH } from '@hush/core';

// What the agent reads of a request before routing it: a plain read needs no URL parsed.

const SECRET_PATH = '/v1/secret/';

/**
 * The name of a plain read, `GET /v1/secret/NAME` with no query and a valid name as it stands
 * (nothing a URL parser would decode or normalise); undefined for every other request, which
 * the general route serves.
 */
export function plainRead(req: IncomingMessage): string | undefined {
  return req.method === 'GET' && req.url !== undefined ? plainReadName(req.url) : undefined;
}

/** The secret a GET of this request target reads, when it is a plain read (see `plainRead`). */
export function plainReadName(url: string): string | undefined {
  if (!url.startsWith(SECRET_PATH)) return undefined;
  const start = SECRET_PATH.length;
  if (url.length === start || url.length - start > MAX_SECRET_NAME_LENGTH) return undefined;
  let segment = start;
  for (let i = start; i <= url.length; i++) {
    const c = i === url.length ? SLASH : url.charCodeAt(i);
    if (c === SLASH) {
      const length = i - segment;
      // No empty segment (a leading, trailing or doubled '/'), and no '.' or '..' segment.
      if (length === 0) return undefined;
      if (
        url.charCodeAt(segment) === DOT &&
        (length === 1 || (length === 2 && url.charCodeAt(segment + 1) === DOT))
      )
        return undefined;
      segment = i + 1;
    } else if (!nameChar(c)) return undefined;
  }
  return url.slice(start);
}

const SLASH = 0x2f;
const DOT = 0x2e;

/** Letters, digits, '_', '.', '-': what a secret name's segments hold. */
function nameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === DOT ||
    c === 0x2d
  );
}
