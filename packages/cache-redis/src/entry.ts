import type { CacheTierEntry } from '@hush/core';

const FORMAT = 1;

/**
 * An entry as Redis keeps it: one byte of format, `freshUntil` (float64), the version's length
 * and bytes, then the sealed secret exactly as the manager handed it over.
 */
export function encodeEntry(entry: CacheTierEntry): Buffer {
  const version = Buffer.from(entry.version, 'utf8');
  const head = Buffer.alloc(1 + 8 + 2);
  head.writeUInt8(FORMAT, 0);
  head.writeDoubleBE(entry.freshUntil, 1);
  head.writeUInt16BE(version.length, 9);
  return Buffer.concat([head, version, entry.sealed]);
}

/** The entry, or undefined for bytes this format does not describe (then the read misses). */
export function decodeEntry(bytes: Buffer): CacheTierEntry | undefined {
  if (bytes.length < 11 || bytes.readUInt8(0) !== FORMAT) return undefined;
  const length = bytes.readUInt16BE(9);
  if (bytes.length < 11 + length) return undefined;
  return {
    freshUntil: bytes.readDoubleBE(1),
    version: bytes.subarray(11, 11 + length).toString('utf8'),
    sealed: bytes.subarray(11 + length),
  };
}
