import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A YAML configuration, once parsed, kept as JSON under the hash of its text, so that a short-lived
// command reads its configuration without loading a YAML parser (which costs it more than the rest
// of its start-up). The entry is found by the hash of the exact text: an edited file never meets
// a stale entry. Bump the format when the parser or its options change.
const FORMAT = 'hush.parsed-config/v1 yaml@2 maxAliasCount=100';

/**
 * The entry's file: an HMAC of the text under the format, not a plain hash, because OpenSSL sets
 * up each algorithm on its first use (about 0.1 ms) and a command that reads a store needs HMAC.
 */
function entryPath(dir: string, text: string): string {
  return join(dir, `${createHmac('sha256', FORMAT).update(text).digest('hex')}.json`);
}

/** A folder only its owner may write to: anyone else could plant a configuration there. */
function privateFolder(dir: string): boolean {
  try {
    const info = statSync(dir);
    if (!info.isDirectory() || (info.mode & 0o022) !== 0) return false;
    return typeof process.getuid !== 'function' || info.uid === process.getuid();
  } catch {
    return false;
  }
}

/** The parsed document kept for this exact text, or undefined (none, unreadable, not ours). */
export function readParsedConfig(dir: string, text: string): unknown {
  if (!privateFolder(dir)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(entryPath(dir, text), 'utf8')) as {
      format?: unknown;
      document?: unknown;
    };
    return entry.format === FORMAT ? entry.document : undefined;
  } catch {
    return undefined;
  }
}

/** What JSON keeps exactly: finite numbers, strings, booleans, null, arrays and plain objects. */
function jsonExact(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every((item) => jsonExact(item, depth + 1));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, item]) => key !== '__proto__' && jsonExact(item, depth + 1));
}

/**
 * Keeps a parsed document for the next read of the same text; best effort (a read-only or missing
 * home folder only means the next command parses again), and only for documents JSON keeps exactly.
 */
export function writeParsedConfig(dir: string, text: string, document: unknown): void {
  if (!jsonExact(document)) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateFolder(dir)) return;
    const path = entryPath(dir, text);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify({ format: FORMAT, document }), { mode: 0o600, flag: 'wx' });
      renameSync(temp, path);
    } catch {
      rmSync(temp, { force: true });
    }
  } catch {
    // Nothing kept: the configuration was read all the same.
  }
}
