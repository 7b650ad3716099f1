import { AwsError } from './errors.js';
import type { StoredSecret } from './model.js';

const invalidToken = () => new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');

function encode(value: Record<string, number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(token: unknown, field: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (Number.isInteger(parsed[field]) && parsed[field] >= 0) return parsed[field];
  } catch {}
  throw invalidToken();
}

/** A page of secrets in creation order; the token is a cursor, so a page survives changes before it. */
export function paginate(
  items: StoredSecret[],
  token: unknown,
  maxResults: number,
  order: 'asc' | 'desc',
): { page: StoredSecret[]; nextToken?: string } {
  let rest = items;
  if (token !== undefined && token !== null) {
    const after = decode(token, 'after');
    rest = items.filter((s) => (order === 'asc' ? s.seq > after : s.seq < after));
  }
  const page = rest.slice(0, maxResults);
  const nextToken = rest.length > maxResults ? encode({ after: page[page.length - 1]!.seq }) : undefined;
  return nextToken === undefined ? { page } : { page, nextToken };
}

/** A page of any list by offset. */
export function pageByOffset<T>(
  items: T[],
  token: unknown,
  maxResults: number,
): { page: T[]; nextToken?: string } {
  const start = token === undefined || token === null ? 0 : decode(token, 'offset');
  const page = items.slice(start, start + maxResults);
  const end = start + maxResults;
  return end < items.length ? { page, nextToken: encode({ offset: end }) } : { page };
}
