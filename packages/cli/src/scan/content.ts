import type { KeyedMatcher, Match } from './matcher.js';

/** Bytes git and most tools read to decide that content is binary: a NUL among the first 8000. */
const BINARY_SNIFF = 8000;

export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_SNIFF).includes(0);
}

const EMPTY = Buffer.alloc(0);

/**
 * Scans one file or blob given chunk by chunk: holds back only the tail that a form starting in
 * it could still need, counts lines as it goes, and reports each match once (a longer form of the
 * same secret covering a shorter one wins: the whole value over one of its lines, base64 with its
 * padding over base64 without).
 */
export class ContentScan {
  readonly matches: Match[] = [];
  #carry: Buffer = EMPTY;
  /** Absolute offset of `#carry[0]`. */
  #base = 0;
  /** Lines counted up to this absolute offset. */
  #counted = 0;
  #line = 1;
  #lineStart = 0;
  /** Per secret: the end of the last match kept, so that matches inside it are not repeated. */
  readonly #covered = new Map<string, number>();

  constructor(private readonly matcher: KeyedMatcher) {}

  push(chunk: Buffer): void {
    const bytes = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    // Positions whose longest possible form fits in what we have; the rest waits for more bytes.
    const limit = Math.max(0, bytes.length - this.matcher.maxLength + 1);
    this.#scan(bytes, limit);
    this.#advance(bytes, this.#base + limit);
    this.#carry = Buffer.from(bytes.subarray(limit));
    this.#base += limit;
  }

  end(): Match[] {
    this.#scan(this.#carry, this.#carry.length);
    this.#carry = EMPTY;
    return this.matches;
  }

  #scan(bytes: Buffer, limit: number): void {
    let pendingAt = -1;
    const atPosition: Array<{
      length: number;
      refs: Array<{ secret: string; version: string; encoding: string }>;
    }> = [];
    const flush = () => {
      // Longest first, so that a longer form of a secret hides the shorter ones at the same place.
      atPosition.sort((a, b) => b.length - a.length);
      const offset = this.#base + pendingAt;
      for (const { length, refs } of atPosition)
        for (const ref of refs) {
          const key = `${ref.secret}\u0000${ref.version}`;
          if ((this.#covered.get(key) ?? -1) > offset) continue;
          this.#covered.set(key, offset + length);
          this.#advance(bytes, offset);
          this.matches.push({
            ...ref,
            offset,
            length,
            line: this.#line,
            column: this.#column(bytes, offset),
          });
        }
      atPosition.length = 0;
    };
    this.matcher.scan(bytes, 0, limit, (at, length, refs) => {
      if (at !== pendingAt && atPosition.length) flush();
      pendingAt = at;
      atPosition.push({ length, refs });
    });
    if (atPosition.length) flush();
  }

  /** Counts the newlines of `bytes` between what was counted and absolute offset `to`. */
  #advance(bytes: Buffer, to: number): void {
    let at = this.#counted - this.#base;
    const end = to - this.#base;
    while (at < end) {
      const nl = bytes.indexOf(10, at);
      if (nl < 0 || nl >= end) break;
      this.#line++;
      this.#lineStart = this.#base + nl + 1;
      at = nl + 1;
    }
    this.#counted = Math.max(this.#counted, to);
  }

  #column(bytes: Buffer, offset: number): number {
    if (this.#lineStart < this.#base) return offset - this.#lineStart + 1;
    return bytes.subarray(this.#lineStart - this.#base, offset - this.#base).toString('utf8').length + 1;
  }
}
