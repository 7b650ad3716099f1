/**
 * A multi-pattern byte matcher built for masking: a trie of the patterns; a Wu-Manber skip
 * table over blocks of four bytes (three when the shortest pattern is three bytes) that moves the scan by up to the shortest pattern's length
 * where no pattern can start; and a bit per three-byte prefix (2 MiB) that rules out most
 * remaining candidates with one lookup. Adding a pattern costs O(its length); a removal (or a
 * pattern shorter than all others) only marks the skip table for a rebuild at the next scan,
 * linear in the patterns. Every pattern is at least three bytes long.
 *
 * The trie stops at a fixed depth: the rests of longer patterns that reach it are kept there as
 * a list and compared whole (memcmp), so that two long values sharing a long prefix (a value
 * and its percent-encoded form, base64 with and without padding) cost no node per shared byte.
 *
 * The scan reports the union of every match (overlapping values, a value inside another), so
 * that no byte of any pattern survives, whatever the longest or leftmost match would be.
 */
export class PatternSet {
  readonly #bits = new Uint8Array(1 << 21);
  /** Patterns per three-byte prefix, to clear its bit when the last one goes. */
  readonly #prefixCounts = new Map<number, number>();
  readonly #root = new TrieNode();
  #count = 0;
  /** An upper bound of the longest pattern (reset when the set empties). */
  #maxLength = 0;
  /**
   * The scan's skip table (Wu-Manber): for a block hash, how far the window's end may move
   * without passing the start of any pattern. Rebuilt lazily after a removal or a pattern
   * shorter than the shortest so far. Four-byte blocks: with thousands of random values (and
   * their hex forms) nearly every three-byte block of ordinary text, digits above all, starts
   * some pattern, and the scan would crawl.
   */
  readonly #shift = new Uint8Array(1 << SHIFT_BITS);
  #block = 3;
  #minLength = 0;
  #shiftStale = true;
  readonly #patterns = new Set<Buffer>();

  /** `depth`: how deep the trie goes before longer patterns are kept as rests (tests lower it). */
  constructor(private readonly depth = TRIE_DEPTH) {}

  get size(): number {
    return this.#count;
  }

  get maxLength(): number {
    return this.#maxLength;
  }

  /** Adds a pattern of three bytes or more that the set does not hold yet. */
  add(pattern: Buffer): void {
    let node = this.#root;
    for (let i = 0; i < pattern.length; i++) {
      if (i === this.depth) {
        // The trie's floor: this pattern's rest joins the others compared whole here.
        node.tailToRest();
        node.addRest(pattern.subarray(i));
        break;
      }
      node.expandTail();
      let child = node.next(pattern[i]!);
      if (!child) {
        // The rest of the pattern is this pattern's alone: keep it as one tail, not a node per byte.
        child = new TrieNode();
        if (i + 1 < pattern.length) child.tail = pattern.subarray(i + 1);
        else child.terminal = true;
        node.attach(pattern[i]!, child);
        node = child;
        break;
      }
      node = child;
      if (i + 1 === pattern.length) {
        if (i + 1 === this.depth) node.tailToRest();
        else node.expandTail();
        node.terminal = true;
      }
    }
    node = this.#root;
    for (const byte of pattern) {
      const next = node.next(byte);
      if (!next) break;
      next.through++;
      node = next;
    }
    const key = prefixKey(pattern, 0);
    this.#prefixCounts.set(key, (this.#prefixCounts.get(key) ?? 0) + 1);
    this.#bits[key >>> 3]! |= 1 << (key & 7);
    this.#count++;
    if (pattern.length > this.#maxLength) this.#maxLength = pattern.length;
    this.#patterns.add(pattern);
    if (this.#shiftStale || pattern.length < this.#minLength) this.#shiftStale = true;
    else this.#lowerShifts(pattern);
  }

  remove(pattern: Buffer): void {
    const path: TrieNode[] = [];
    let node: TrieNode | undefined = this.#root;
    let found = false;
    for (let i = 0; i < pattern.length; i++) {
      if (node.tail) {
        found = node.tail.equals(pattern.subarray(i));
        if (found) node.tail = undefined;
        break;
      }
      if (node.rests) {
        const rest = pattern.subarray(i);
        const at = node.rests.findIndex((r) => r.equals(rest));
        found = at >= 0;
        if (found) node.rests.splice(at, 1);
        if (node.rests.length === 0) node.rests = undefined;
        break;
      }
      node = node.next(pattern[i]!);
      if (!node) return;
      path.push(node);
      if (i + 1 === pattern.length && node.terminal) {
        node.terminal = false;
        found = true;
      }
    }
    if (!found) return;
    let parent = this.#root;
    for (let i = 0; i < path.length; i++) {
      const child = path[i]!;
      if (--child.through === 0) {
        parent.detach(pattern[i]!);
        break;
      }
      parent = child;
    }
    const key = prefixKey(pattern, 0);
    const left = (this.#prefixCounts.get(key) ?? 1) - 1;
    if (left > 0) this.#prefixCounts.set(key, left);
    else {
      this.#prefixCounts.delete(key);
      this.#bits[key >>> 3]! &= ~(1 << (key & 7));
    }
    if (--this.#count === 0) this.#maxLength = 0;
    for (const kept of this.#patterns)
      if (kept.equals(pattern)) {
        this.#patterns.delete(kept);
        break;
      }
    this.#shiftStale = true;
  }

  /**
   * Calls `covered(start, end)` for each maximal run of bytes covered by matches that start in
   * `[from, until)`, in order. Matches may end anywhere up to the buffer's end.
   */
  scan(input: Buffer, from: number, until: number, covered: (start: number, end: number) => void): void {
    if (this.#count === 0) return;
    if (this.#shiftStale) this.#rebuildShifts();
    const bits = this.#bits;
    const shift = this.#shift;
    const m = this.#minLength;
    const block = this.#block;
    const length = input.length;
    let runStart = -1;
    let runEnd = -1;
    // `end` is the last byte of a window of the shortest pattern's length; its start is a candidate.
    for (let end = from + m - 1; end < length; ) {
      const start = end - m + 1;
      if (start >= until) break;
      const skip = shift[block === 4 ? blockHash4(input, end) : blockHash3(input, end)]!;
      if (skip > 0) {
        end += skip;
        continue;
      }
      end++;
      const key = (input[start]! << 16) | (input[start + 1]! << 8) | input[start + 2]!;
      if ((bits[key >>> 3]! & (1 << (key & 7))) === 0) continue;
      const matched = this.#longestAt(input, start);
      if (matched < 0) continue;
      if (start > runEnd) {
        if (runStart >= 0) covered(runStart, runEnd);
        runStart = start;
      }
      if (matched > runEnd) runEnd = matched;
    }
    if (runStart >= 0) covered(runStart, runEnd);
  }

  #rebuildShifts(): void {
    let min = Number.POSITIVE_INFINITY;
    for (const pattern of this.#patterns) if (pattern.length < min) min = pattern.length;
    // Skips never exceed 255, so a window past that length buys nothing and costs a pass over
    // every byte of a long pattern's start at each rebuild.
    this.#minLength = Number.isFinite(min) ? Math.min(min, MAX_WINDOW) : 0;
    this.#block = this.#minLength >= 4 ? 4 : 3;
    this.#shift.fill(Math.min(255, Math.max(0, this.#minLength - this.#block + 1)));
    for (const pattern of this.#patterns) this.#lowerShifts(pattern);
    this.#shiftStale = false;
  }

  /** Lowers the skips for the blocks of a pattern's first `minLength` bytes. */
  #lowerShifts(pattern: Buffer): void {
    const m = this.#minLength;
    const block = this.#block;
    for (let j = block - 1; j < m; j++) {
      const hash = block === 4 ? blockHash4(pattern, j) : blockHash3(pattern, j);
      const skip = Math.min(255, m - 1 - j);
      if (skip < this.#shift[hash]!) this.#shift[hash] = skip;
    }
  }

  /**
   * The first position from which the rest of `input` is a proper prefix of some pattern: what
   * a stream must hold back because the next chunk may complete a value. `input.length` if none.
   */
  holdFrom(input: Buffer): number {
    const length = input.length;
    for (let q = Math.max(0, length - this.#maxLength + 1); q < length; q++) {
      let node: TrieNode | undefined = this.#root;
      let i = q;
      for (; i < length && node && !node.tail && !node.rests; i++) node = node.next(input[i]!);
      if (!node) continue;
      const left = length - i;
      if (node.tail) {
        if (left < node.tail.length && input.compare(node.tail, 0, left, i, length) === 0) return q;
      } else if (node.rests) {
        for (const rest of node.rests)
          if (left < rest.length && input.compare(rest, 0, left, i, length) === 0) return q;
      } else if (node.hasChildren()) return q;
    }
    return length;
  }

  /** End of the longest pattern starting at `at`, or -1. */
  #longestAt(input: Buffer, at: number): number {
    let node: TrieNode | undefined = this.#root;
    let end = -1;
    for (let i = at; i < input.length; i++) {
      node = node.next(input[i]!);
      if (!node) break;
      if (node.terminal) end = i + 1;
      const tail = node.tail;
      if (tail) {
        const stop = i + 1 + tail.length;
        if (stop <= input.length && input.compare(tail, 0, tail.length, i + 1, stop) === 0) end = stop;
        break;
      }
      if (node.rests) {
        for (const rest of node.rests) {
          const stop = i + 1 + rest.length;
          if (stop > end && stop <= input.length && input.compare(rest, 0, rest.length, i + 1, stop) === 0)
            end = stop;
        }
        break;
      }
    }
    return end;
  }
}

/** A trie node; most have one child, kept inline, and a Map only from the second on. */
class TrieNode {
  byte = -1;
  child: TrieNode | undefined = undefined;
  children: Map<number, TrieNode> | undefined = undefined;
  terminal = false;
  /** Patterns that pass through (or end at) this node. */
  through = 0;
  /** The rest of the one pattern below this node, not yet split into nodes. */
  tail: Buffer | undefined = undefined;
  /** At the trie's floor: the rests of the patterns that go on below it, compared whole. */
  rests: Buffer[] | undefined = undefined;

  /** At the trie's floor: a tail becomes one of the rests, never nodes. */
  tailToRest(): void {
    if (!this.tail) return;
    this.addRest(this.tail);
    this.tail = undefined;
  }

  addRest(rest: Buffer): void {
    if (this.rests) this.rests.push(rest);
    else this.rests = [rest];
  }

  /** Turns the first byte of the tail into a node, so that another pattern can branch off. */
  expandTail(): void {
    const tail = this.tail;
    if (!tail) return;
    this.tail = undefined;
    const child = new TrieNode();
    child.through = 1;
    if (tail.length > 1) child.tail = tail.subarray(1);
    else child.terminal = true;
    this.attach(tail[0]!, child);
  }

  next(byte: number): TrieNode | undefined {
    return this.children ? this.children.get(byte) : this.byte === byte ? this.child : undefined;
  }

  hasChildren(): boolean {
    if (this.tail || this.rests) return true;
    return this.children ? this.children.size > 0 : this.child !== undefined;
  }

  attach(byte: number, node: TrieNode): void {
    if (this.children) this.children.set(byte, node);
    else if (this.child === undefined) {
      this.byte = byte;
      this.child = node;
    } else {
      this.children = new Map([
        [this.byte, this.child],
        [byte, node],
      ]);
      this.child = undefined;
      this.byte = -1;
    }
  }

  detach(byte: number): void {
    if (this.children) this.children.delete(byte);
    else if (this.byte === byte) {
      this.child = undefined;
      this.byte = -1;
    }
  }
}

/** The longest window the skip table looks at. */
const MAX_WINDOW = 256;

/** How deep the trie goes; longer patterns keep their rests at that depth. */
const TRIE_DEPTH = 256;

/** Bits of a skip-table index (a 256 KiB table). */
const SHIFT_BITS = 18;

/** The hash of the three bytes ending at `end` (collisions only shorten skips). */
function blockHash3(bytes: Uint8Array, end: number): number {
  return (
    Math.imul((bytes[end - 2]! << 16) | (bytes[end - 1]! << 8) | bytes[end]!, 0x9e3779b1) >>>
    (32 - SHIFT_BITS)
  );
}

/** The hash of the four bytes ending at `end`. */
function blockHash4(bytes: Uint8Array, end: number): number {
  const word = (bytes[end - 3]! << 24) | (bytes[end - 2]! << 16) | (bytes[end - 1]! << 8) | bytes[end]!;
  return Math.imul(word, 0x9e3779b1) >>> (32 - SHIFT_BITS);
}

function prefixKey(bytes: Buffer, at: number): number {
  return (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
}
