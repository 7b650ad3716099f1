import { Transform, type TransformCallback } from 'node:stream';

export const MASK = '***';

/** Values shorter than this are not masked: masking one or two characters would garble all output. */
export const MIN_MASKED_LENGTH = 3;

/**
 * Redacts known secret values from text and byte streams. Works on bytes, so binary output
 * and multi-byte characters split across chunks are handled; a stream holds back only the
 * tail that could still be the start of a value.
 */
export class Masker {
  #needles: Buffer[] = [];
  readonly #seen = new Set<string>();

  constructor(
    values: Iterable<string> = [],
    readonly replacement = MASK,
  ) {
    for (const value of values) this.add(value);
  }

  add(value: string): void {
    if (value.length < MIN_MASKED_LENGTH || this.#seen.has(value)) return;
    this.#seen.add(value);
    // A value also shows up JSON-escaped (quotes, newlines) when a child prints JSON.
    const forms = new Set([value, JSON.stringify(value).slice(1, -1)]);
    for (const form of forms) this.#needles.push(Buffer.from(form, 'utf8'));
    this.#needles.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.#seen.size;
  }

  mask(text: string): string {
    if (this.#needles.length === 0) return text;
    return this.maskBytes(Buffer.from(text, 'utf8')).toString('utf8');
  }

  maskBytes(bytes: Buffer): Buffer {
    return this.#process(bytes, true).out;
  }

  /** A Transform that masks a byte stream, values split across chunks included. */
  createStream(): Transform {
    let pending: Buffer = Buffer.alloc(0);
    return new Transform({
      transform: (chunk: Buffer | string, _encoding, done: TransformCallback) => {
        const input = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
        const { out, rest } = this.#process(input, false);
        pending = rest;
        done(null, out.length ? out : undefined);
      },
      flush: (done: TransformCallback) => {
        const out = this.#process(pending, true).out;
        pending = Buffer.alloc(0);
        done(null, out.length ? out : undefined);
      },
    });
  }

  /** Replaces every value; unless final, keeps back a tail that may begin a value. */
  #process(input: Buffer, final: boolean): { out: Buffer; rest: Buffer } {
    const parts: Buffer[] = [];
    const replacement = Buffer.from(this.replacement);
    let start = 0;
    let i = 0;
    while (i < input.length) {
      const needle = this.#needles.find(
        (n) =>
          input[i] === n[0] &&
          input.length - i >= n.length &&
          input.compare(n, 0, n.length, i, i + n.length) === 0,
      );
      if (needle) {
        parts.push(input.subarray(start, i), replacement);
        i += needle.length;
        start = i;
      } else i++;
    }
    let cut = input.length;
    if (!final) cut = Math.max(start, input.length - this.#heldTail(input.subarray(start)));
    parts.push(input.subarray(start, cut));
    return { out: Buffer.concat(parts), rest: Buffer.from(input.subarray(cut)) };
  }

  /** Length of the longest suffix of `tail` that is a proper prefix of some value. */
  #heldTail(tail: Buffer): number {
    let longest = 0;
    for (const needle of this.#needles) {
      const max = Math.min(needle.length - 1, tail.length);
      for (let len = max; len > longest; len--) {
        const from = tail.length - len;
        if (tail[from] === needle[0] && tail.compare(needle, 0, len, from, tail.length) === 0) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }
}
