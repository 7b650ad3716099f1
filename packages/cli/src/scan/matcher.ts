import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { encodedFormsByKind } from '@hush/core';

/** A value to look for: its secret's name and version, and the value (dropped once hashed). */
export interface ScanTarget {
  name: string;
  version: string;
  value: string;
}

/** Where a form of a value was found in a stream of bytes. */
export interface Match {
  secret: string;
  version: string;
  /** How the value was written: raw, base64, base64url, hex, url, form-url, json, line. */
  encoding: string;
  /** Byte offset of the first byte. */
  offset: number;
  length: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units of the line (bytes when the line started in an earlier chunk). */
  column: number;
}

interface Ref {
  secret: string;
  version: string;
  encoding: string;
}

/** Forms that share a window hash; each known only by its length and keyed digest. */
interface Entry {
  length: number;
  digest: Buffer;
  refs: Ref[];
}

/** Longest window hashed: enough to make chance hits rare, short enough for every form. */
const MAX_WINDOW = 16;
/** 2^24 bits: one bit per window hash's top 24 bits, a first sieve before the map. */
const SIEVE_BITS = 24;
/** Bytes of the blocks whose keyed hashes say how far a scan may jump (as Wu-Manber's search does). */
const BLOCK = 3;
/** 2^20 shift slots: sparse enough that most blocks of a text jump by the whole window. */
const SHIFT_BITS = 20;

/**
 * Finds values and their encoded forms in bytes without holding them: each form is kept as a
 * keyed hash of its first `window` bytes (a random byte table and multiplier of this run), an
 * HMAC-SHA256 (random key of this run) of the whole form, and, for each 3-byte block of its
 * window, how far that block sits from the window's end, in a table indexed by a keyed hash of
 * the block. A scan looks at the last block under the window and jumps as far as the table allows
 * (most text jumps by the whole window), hashes the window only where no jump is allowed, and
 * computes the HMAC of a candidate only where a window hash matches. The plaintext forms exist
 * only while the matcher is built.
 */
export class KeyedMatcher {
  readonly window: number;
  /** Longest form, in bytes: how much of a stream a scan must hold back for the next chunk. */
  readonly maxLength: number;
  /** Names of the secrets, with how many forms each is looked for in. */
  readonly secrets: Map<string, number>;
  readonly #key = randomBytes(32);
  readonly #table = new Int32Array(256);
  readonly #base: number;
  readonly #sieve = new Uint8Array(1 << (SIEVE_BITS - 3));
  readonly #entries = new Map<number, Entry[]>();
  /** Keyed byte tables of the block hash, one per position in the block. */
  readonly #blockTables = [new Int32Array(256), new Int32Array(256), new Int32Array(256)] as const;
  /** Least distance from a block to the end of a window, by keyed block hash. */
  readonly #shift = new Uint8Array(1 << SHIFT_BITS);
  readonly #block: number;

  constructor(targets: Iterable<ScanTarget>, options: { minLength: number }) {
    for (let i = 0; i < 256; i++) this.#table[i] = randomInt(0, 2 ** 31) * 2 + randomInt(0, 2);
    for (const table of this.#blockTables)
      for (let i = 0; i < 256; i++) table[i] = randomInt(0, 2 ** 31) * 2 + randomInt(0, 2);
    this.#base = (randomInt(0, 2 ** 31) * 2 + 1) | 0;
    const forms: Array<{ bytes: Buffer; ref: Ref }> = [];
    this.secrets = new Map();
    for (const target of targets) {
      let count = 0;
      for (const { kind, form } of formsOf(target.value, options.minLength)) {
        forms.push({
          bytes: Buffer.from(form, 'utf8'),
          ref: { secret: target.name, version: target.version, encoding: kind },
        });
        count++;
      }
      this.secrets.set(target.name, (this.secrets.get(target.name) ?? 0) + count);
    }
    this.window = Math.min(MAX_WINDOW, ...forms.map((f) => f.bytes.length));
    this.maxLength = Math.max(0, ...forms.map((f) => f.bytes.length));
    this.#block = Math.min(BLOCK, this.window);
    this.#shift.fill(Math.min(255, this.window - this.#block + 1));
    for (const { bytes, ref } of forms) {
      for (let end = this.#block - 1; end < this.window; end++) {
        const slot = this.#blockHash(bytes, end);
        this.#shift[slot] = Math.min(this.#shift[slot]!, this.window - 1 - end);
      }
      const hash = this.#hashAt(bytes, 0);
      const digest = this.#digest(bytes, 0, bytes.length);
      this.#sieve[hash >>> (35 - SIEVE_BITS)]! |= 1 << ((hash >>> (32 - SIEVE_BITS)) & 7);
      const list = this.#entries.get(hash) ?? [];
      const same = list.find((e) => e.length === bytes.length && e.digest.equals(digest));
      if (same) same.refs.push(ref);
      else list.push({ length: bytes.length, digest, refs: [ref] });
      this.#entries.set(hash, list);
      // The plaintext form goes as soon as it is hashed.
      bytes.fill(0);
    }
  }

  /** True when there is nothing to look for (no value long enough). */
  get empty(): boolean {
    return this.#entries.size === 0;
  }

  #hashAt(bytes: Uint8Array, at: number): number {
    let h = 0;
    for (let i = 0; i < this.window; i++) h = (Math.imul(h, this.#base) + this.#table[bytes[at + i]!]!) | 0;
    return h >>> 0;
  }

  /** Keyed hash of the block of bytes ending at `end` (inclusive), a slot of the shift table. */
  #blockHash(bytes: Uint8Array, end: number): number {
    const [t0, t1, t2] = this.#blockTables;
    let h = t0[bytes[end]!]!;
    if (this.#block > 1) h ^= t1[bytes[end - 1]!]!;
    if (this.#block > 2) h ^= t2[bytes[end - 2]!]!;
    return h >>> (32 - SHIFT_BITS);
  }

  #digest(bytes: Uint8Array, start: number, end: number): Buffer {
    return createHmac('sha256', this.#key).update(bytes.subarray(start, end)).digest();
  }

  /**
   * Calls `found(position, entry refs, length)` for each form that starts at a position in
   * [from, to) of `bytes` (a form may run past `to`, never past the end of `bytes`).
   */
  scan(
    bytes: Uint8Array,
    from: number,
    to: number,
    found: (at: number, length: number, refs: Ref[]) => void,
  ): void {
    const w = this.window;
    const last = Math.min(to, bytes.length - w + 1);
    if (this.#entries.size === 0 || from >= last) return;
    const table = this.#table;
    const base = this.#base;
    const sieve = this.#sieve;
    const shift = this.#shift;
    const [t0, t1, t2] = this.#blockTables;
    const wide = this.#block === BLOCK;
    for (let p = from; p < last; ) {
      const e = p + w - 1;
      // The block hash, inlined for the common 3-byte block (a window of at least 3 bytes).
      const slot = wide
        ? (t0[bytes[e]!]! ^ t1[bytes[e - 1]!]! ^ t2[bytes[e - 2]!]!) >>> (32 - SHIFT_BITS)
        : this.#blockHash(bytes, e);
      const jump = shift[slot]!;
      if (jump > 0) {
        p += jump;
        continue;
      }
      let h = 0;
      for (let i = p; i <= e; i++) h = (Math.imul(h, base) + table[bytes[i]!]!) | 0;
      const u = h >>> 0;
      if ((sieve[u >>> (35 - SIEVE_BITS)]! >> ((u >>> (32 - SIEVE_BITS)) & 7)) & 1) {
        const list = this.#entries.get(u);
        if (list)
          for (const entry of list)
            if (
              p + entry.length <= bytes.length &&
              this.#digest(bytes, p, p + entry.length).equals(entry.digest)
            )
              found(p, entry.length, entry.refs);
      }
      p++;
    }
  }
}

/**
 * The forms looked for: those the masker knows (core's `encodedFormsByKind`), plus the value's
 * base64 and base64url as they read inside a longer encoded text, at each of the three byte
 * alignments (`user:password` in a Basic header or a Docker `auth`): only the characters that
 * depend on the value's bytes alone.
 */
export function formsOf(value: string, minLength: number): Array<{ kind: string; form: string }> {
  if (value.length < minLength) return [];
  const forms = encodedFormsByKind(value, minLength);
  const seen = new Set(forms.map((f) => f.form));
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    const known = Math.floor((8 * shifted.length) / 6);
    const skip = [0, 2, 3][shift]!;
    for (const [alphabet, kind] of [
      ['base64', 'base64'],
      ['base64url', 'base64url'],
    ] as const) {
      const form = shifted.toString(alphabet).replace(/=+$/, '').slice(skip, known);
      if (form.length >= minLength && !seen.has(form)) {
        seen.add(form);
        forms.push({ kind, form });
      }
    }
  }
  return forms;
}
