import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { equalBase64 } from './crypto.js';
import { stampOf } from './disk.js';
import type { StoredSecret } from './store-file.js';
import {
  beginFileMac,
  type HeaderLine,
  indexOfSectionEnd,
  type Layout,
  type LineBytes,
  readEntry,
  readHeaderLine,
  SECTION_END,
  sealedRange,
} from './store-lines.js';

// One secret of a v2 store read by a process that reads it and exits, without the whole file in
// memory. A whole read puts the file in memory the process has never touched, and faulting that
// memory in costs more than reading and hashing the bytes: here the file goes through one small
// buffer, read again and again, and the file MAC is computed as it streams by. The entry's two
// lines are then found by binary search, read by position from the same descriptor, and kept only
// if the file is still the one streamed (its stat unchanged: a write in place changes its ctime;
// hush itself never writes in place, it renames a new file over the old one, which leaves this
// descriptor on the file it had). Anything but a file in the layout hush writes is `undefined`:
// the caller reads it whole, and reports what is wrong with it.

/** Bytes read at a time while the MAC is computed. */
const CHUNK = 64 * 1024;
/** Bytes read at a time during the binary search: a line or two. */
const PAGE = 4 * 1024;
/** The bytes of a chunk kept in front of the next: a section end marker across chunks is found whole. */
const OVERLAP = SECTION_END.length - 1;

/** Where a file's sections are: the end of `secrets`, the start and end of `sealed`'s lines. */
export type Sections = readonly [between: number, sealedStart: number, sealedEnd: number];

/** A store file open for one streamed read (see above). Close it after use. */
export class StreamedStore {
  readonly stats: Stats;
  /** Where the file is read: [0, OVERLAP) holds the end of the previous chunk, a chunk follows. */
  readonly #buffer: Buffer;
  #head: HeaderLine | undefined;
  /** The MAC value as the file spells it (the header's field, before it is parsed). */
  #spelled: string | undefined;
  #layout: Layout | undefined;

  private constructor(
    private readonly fd: number,
    private readonly chunkSize: number,
  ) {
    this.stats = fstatSync(fd);
    // The header is read in one go, whatever the chunks are.
    this.#buffer = Buffer.allocUnsafe(OVERLAP + Math.max(chunkSize, PAGE));
  }

  /** Opens the store; throws as `openSync` throws (ENOENT for a store that is not there). */
  static open(path: string, chunkSize = CHUNK): StreamedStore {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      return new StreamedStore(fd, chunkSize);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The header, read from the file's first bytes; undefined when the file is not in hush's layout. */
  head(path: string): HeaderLine | undefined {
    const first = this.#buffer.subarray(OVERLAP);
    const n = readSync(this.fd, first, 0, first.length, 0);
    this.#head = readHeaderLine(first.subarray(0, n), path);
    if (this.#head) this.#spelled = first.toString('latin1', this.#head.mac[0], this.#head.mac[1]);
    return this.#head;
  }

  /**
   * Streams the whole file through the MAC under `macKey`; true when it matches the header's and
   * the file is in hush's layout from end to end (then `entry` may be asked). Line endings other
   * than LF are `false`: such a file is read whole.
   */
  verify(macKey: Buffer): boolean {
    const head = this.#head;
    if (!head) return false;
    const [macStart, macEnd] = head.mac;
    const hmac = beginFileMac(macKey);
    const buffer = this.#buffer;
    let kept = 0;
    let position = 0;
    let between = -1;
    for (;;) {
      const n = readSync(this.fd, buffer, OVERLAP, this.chunkSize, position);
      if (n === 0) break;
      const chunk = buffer.subarray(OVERLAP, OVERLAP + n);
      if (chunk.includes(0x0d)) return false;
      // The MAC value is not part of what it signs.
      const start = Math.max(position, Math.min(macStart, position + n));
      if (position < macStart) hmac.update(chunk.subarray(0, start - position));
      hmac.update(chunk.subarray(Math.max(macEnd, start) - position));
      if (between < 0)
        between = this.#sectionEnd(buffer.subarray(OVERLAP - kept, OVERLAP + n), position - kept);
      position += n;
      // The last bytes read go in front of the next chunk (and hold the file's end after the last).
      kept = Math.min(OVERLAP, kept + n);
      buffer.copyWithin(OVERLAP - kept, OVERLAP + n - kept, OVERLAP + n);
    }
    if (between < 0) return false;
    const sealed = sealedRange(position, between, buffer.subarray(OVERLAP - kept, OVERLAP));
    if (!sealed) return false;
    if (this.#spelled !== head.header.mac || !equalBase64(head.header.mac, hmac.digest('base64')))
      return false;
    this.adopt([between, sealed[0], sealed[1]]);
    return true;
  }

  /** The header's MAC as the file spells it (after `head`). */
  get spelledMac(): string | undefined {
    return this.#spelled;
  }

  /** Where the sections are once verified (or adopted). */
  get sections(): Sections | undefined {
    const layout = this.#layout;
    return layout && [layout.meta[1], layout.sealed[0], layout.sealed[1]];
  }

  /**
   * Takes the sections of this very file, as `verify` found them or as a signed note of an earlier
   * verification records them (see `verified-stamp.ts`): `entry` may be asked then.
   */
  adopt(sections: Sections): void {
    const head = this.#head;
    if (!head) throw new Error('adopt() before head()');
    const [between, sealedStart, sealedEnd] = sections;
    this.#layout = {
      header: head.header,
      meta: [head.metaStart, between],
      sealed: [sealedStart, sealedEnd],
      mac: head.mac,
    };
  }

  /**
   * Where the `secrets` section ends (the start of its `},` line), searched in `window`, the bytes
   * of the file from `offset`; -1 when not in it. The search starts at the newline that ends the
   * `"secrets":{` line, so an empty section is found too, as `readLayout` finds it.
   */
  #sectionEnd(window: Buffer, offset: number): number {
    const from = this.#head!.metaStart - 1 - offset;
    if (from >= window.length) return -1;
    const at = indexOfSectionEnd(window, Math.max(0, from));
    return at < 0 ? -1 : offset + at + 1;
  }

  /** One secret of the verified file (see `verify`), found by binary search; undefined when absent. */
  entry(name: string, path: string): StoredSecret | undefined {
    if (!this.#layout) throw new Error('entry() before a successful verify()');
    return readEntry(new FileLines(this.fd), this.#layout, name, path);
  }

  /** The lines of the verified file's `secrets` section (see `verify`), read by position. */
  listing(): Buffer {
    if (!this.#layout) throw new Error('listing() before a successful verify()');
    const [start, end] = this.#layout.meta;
    const bytes = Buffer.allocUnsafe(end - start);
    let read = 0;
    for (let n = -1; read < bytes.length && n !== 0; read += n)
      n = readSync(this.fd, bytes, read, bytes.length - read, start + read);
    // A file cut short meanwhile is caught by `unchanged`.
    return bytes.subarray(0, read);
  }

  /** Whether the file is still as it was when opened: nothing was written to it meanwhile. */
  unchanged(): boolean {
    return stampOf(fstatSync(this.fd)) === stampOf(this.stats);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A file read by position, a page at a time, as the lines of a binary search (see `findLine`). */
class FileLines implements LineBytes {
  readonly #pages = new Map<number, Buffer>();

  constructor(private readonly fd: number) {}

  #page(index: number): Buffer {
    let page = this.#pages.get(index);
    if (page === undefined) {
      const bytes = Buffer.allocUnsafe(PAGE);
      page = bytes.subarray(0, readSync(this.fd, bytes, 0, PAGE, index * PAGE));
      this.#pages.set(index, page);
    }
    return page;
  }

  at(at: number): number {
    const page = this.#page(Math.floor(at / PAGE));
    const byte = page[at % PAGE];
    if (byte === undefined) throw new RangeError(`byte ${at} is past the end of the file`);
    return byte;
  }

  indexOf(byte: number, from: number): number {
    for (let index = Math.floor(from / PAGE); ; index++) {
      const page = this.#page(index);
      const found = page.indexOf(byte, Math.max(0, from - index * PAGE));
      if (found >= 0) return index * PAGE + found;
      if (page.length < PAGE) return -1;
    }
  }

  lastIndexOf(byte: number, from: number): number {
    for (let index = Math.floor(from / PAGE); index >= 0; index--) {
      const page = this.#page(index);
      const last = Math.min(page.length - 1, from - index * PAGE);
      const found = last < 0 ? -1 : page.lastIndexOf(byte, last);
      if (found >= 0) return index * PAGE + found;
    }
    return -1;
  }

  slice(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    for (let index = Math.floor(start / PAGE); index * PAGE < end; index++) {
      const page = this.#page(index);
      parts.push(page.subarray(Math.max(0, start - index * PAGE), Math.min(page.length, end - index * PAGE)));
      if (page.length < PAGE) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
