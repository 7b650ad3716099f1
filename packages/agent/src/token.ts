import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/** A new per-agent token: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes the token to a file only its owner can read (0600, in a folder created 0700). */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, path);
}

/** Compares a header's value in constant time: a wrong token reveals nothing of the right one. */
export function tokenMatches(expected: Buffer, given: string | string[] | undefined): boolean {
  return typeof given === 'string' && tokenBytesMatch(expected, Buffer.from(given, 'utf8'));
}

/** The same comparison on the bytes of a header's value, as the plain-read lane reads them. */
export function tokenBytesMatch(expected: Buffer, given: Uint8Array): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
