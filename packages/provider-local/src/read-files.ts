// The file reads of a store's read path, on Node's callback API. `fs.promises` (node:fs/promises)
// loads Node's readline and file watchers with it: a short command that only reads a secret pays
// for them at start-up. Writes, rare and slow anyway, keep fs.promises.
//
// Each call below is one trip through libuv's thread pool, and a fresh process waits for every
// trip: a whole file is read in one `read` of the size its descriptor reports (`fs.readFile`
// reads in 512 KiB pieces, six trips for a 3 MB store), and its descriptor is closed without
// waiting for the close.
import { close, constants, fstat, open, read, type Stats, stat } from 'node:fs';

/** Settles with a callback's result (or its error). */
function settle<T>(
  start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

export const statFile = (path: string): Promise<Stats> => settle((done) => stat(path, done));
const openFile = (path: string): Promise<number> => settle((done) => open(path, constants.O_RDONLY, done));
const fstatFile = (fd: number): Promise<Stats> => settle((done) => fstat(fd, done));
const readInto = (fd: number, buffer: Buffer, offset: number): Promise<number> =>
  settle((done) => read(fd, buffer, offset, buffer.length - offset, null, done));

/** A file's bytes and the stat of the descriptor they were read through (so both describe one file). */
export interface WholeFile {
  bytes: Buffer;
  stats: Stats;
}

/**
 * Reads a whole file through one descriptor. A regular file is read up to the size its stat
 * gave, as `fs.readFile` reads it; a file that reports no size (a pipe, /proc) until its end.
 */
export async function readWhole(path: string): Promise<WholeFile> {
  const fd = await openFile(path);
  try {
    const stats = await fstatFile(fd);
    return { bytes: await readToEnd(fd, stats.size), stats };
  } finally {
    // A failed close of a descriptor only read from says nothing about what was read.
    close(fd, () => {});
  }
}

async function readToEnd(fd: number, size: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(size > 0 ? size : 64 * 1024);
  let length = 0;
  for (;;) {
    const n = await readInto(fd, buffer, length);
    length += n;
    if (n === 0 || (size > 0 && length === size)) return buffer.subarray(0, length);
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
  }
}
