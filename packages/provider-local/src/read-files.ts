// The file reads of a store's read path, on Node's callback API. `fs.promises` (node:fs/promises)
// loads Node's readline and file watchers with it: a short command that only reads a secret pays
// for them at start-up. Writes, rare and slow anyway, keep fs.promises.
//
// Each call below is one trip through libuv's thread pool, and a fresh process waits for every
// trip: a whole file is read in one `read` of the size its descriptor reports (`fs.readFile`
// reads in 512 KiB pieces, six trips for a 3 MB store), and its descriptor is closed without
// waiting for the close.
import {
  close,
  closeSync,
  constants,
  fstat,
  fstatSync,
  open,
  openSync,
  read,
  readSync,
  type Stats,
  stat,
  statSync,
} from 'node:fs';

/** Settles with a callback's result (or its error). */
function settle<T>(
  start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

const statFile = (path: string): Promise<Stats> => settle((done) => stat(path, done));
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
async function readWhole(path: string): Promise<WholeFile> {
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
  let buffer: Buffer = Buffer.allocUnsafe(size > 0 ? size : 64 * 1024);
  let length = 0;
  for (;;) {
    const n = await readInto(fd, buffer, length);
    length += n;
    if (n === 0 || (size > 0 && length === size)) return buffer.subarray(0, length);
    if (length === buffer.length) buffer = grown(buffer, length);
  }
}

/** How the read path reads files: the stat of a path, and a whole file with the stat of its descriptor. */
export interface FileReads {
  stat(path: string): Promise<Stats>;
  whole(path: string): Promise<WholeFile>;
}

/** Through the thread pool: the event loop keeps running meanwhile (the default). */
export const callbackReads: FileReads = { stat: statFile, whole: readWhole };

/**
 * On the calling thread (`syncReads`): no trip through the thread pool, and no thread pool
 * started, which a short-lived process such as a command line waits for on every read. It blocks
 * the event loop for each read, so a server keeps `callbackReads`. Errors are rejections all the
 * same, so callers see no difference but the timing.
 */
export const syncReads: FileReads = {
  stat: async (path) => statSync(path),
  whole: async (path) => {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      const stats = fstatSync(fd);
      let buffer: Buffer = Buffer.allocUnsafe(stats.size > 0 ? stats.size : 64 * 1024);
      let length = 0;
      for (;;) {
        const n = readSync(fd, buffer, length, buffer.length - length, null);
        length += n;
        if (n === 0 || (stats.size > 0 && length === stats.size))
          return { bytes: buffer.subarray(0, length), stats };
        if (length === buffer.length) buffer = grown(buffer, length);
      }
    } finally {
      closeSync(fd);
    }
  },
};

/** A buffer twice as large holding the first `length` bytes of `buffer`. */
function grown(buffer: Buffer, length: number): Buffer {
  const larger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(larger, 0, 0, length);
  return larger;
}
