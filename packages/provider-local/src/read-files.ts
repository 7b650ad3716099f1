// The file reads of a store's read path, on Node's callback API. `fs.promises` (node:fs/promises)
// loads Node's readline and file watchers with it: a short command that only reads a secret pays
// for them at start-up. Writes, rare and slow anyway, keep fs.promises. Each call goes through the
// module object, so that a test can interleave a write with a read by wrapping one.
import fs, { type Stats } from 'node:fs';

/** Settles with a callback's result (or its error). */
function settle<T>(
  start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

export const statFile = (path: string): Promise<Stats> => settle((done) => fs.stat(path, done));
export const readText = (path: string): Promise<string> => settle((done) => fs.readFile(path, 'utf8', done));
export const openFile = (path: string, flags: number): Promise<number> =>
  settle((done) => fs.open(path, flags, done));
export const fstatFile = (fd: number): Promise<Stats> => settle((done) => fs.fstat(fd, done));
export const readAll = (fd: number): Promise<Buffer> => settle((done) => fs.readFile(fd, done));
export const closeFile = (fd: number): Promise<void> =>
  settle((done) => fs.close(fd, (error) => done(error, undefined)));
