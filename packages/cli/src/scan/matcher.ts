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

/**
 * Finds values and their encoded forms in bytes without holding them: each form is kept as a
 * keyed rolling hash of its first `window` bytes (a random byte table and multiplier of this run)
 * and an HMAC-SHA256 (random key of this run) of the whole form. A scan rolls the window hash over
 * the input and computes the HMAC of a candidate only where a window hash matches. The plaintext
 * forms exist only while the matcher is built.
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
  /** base^(window-1), for taking the leaving byte out of the rolling hash. */
  readonly #lead: number;
  readonly #sieve = new Uint8Array(1 << (SIEVE_BITS - 3));
  readonly #entries = new Map<number, Entry[]>();

  constructor(targets: Iterable<ScanTarget>, options: { minLength: number }) {
    for (let i = 0; i < 256; i++) this.#table[i] = randomInt(0, 2 ** 31) * 2 + randomInt(0, 2);
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
    let lead = 1;
    for (let i = 1; i < this.window; i++) lead = Math.imul(lead, this.#base);
    this.#lead = lead;
    for (const { bytes, ref } of forms) {
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
    const lead = this.#lead;
    const sieve = this.#sieve;
    let h = this.#hashAt(bytes, from) | 0;
    for (let p = from; ; ) {
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
      if (++p >= last) return;
      h = (Math.imul(h - Math.imul(table[bytes[p - 1]!]!, lead), base) + table[bytes[p + w - 1]!]!) | 0;
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
