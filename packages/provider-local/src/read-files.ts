// The file reads of a store's read path, on Node's callback API. `fs.promises` (node:fs/promises)
// loads Node's readline and file watchers with it: a short command that only reads a secret pays
// for them at start-up. Writes, rare and slow anyway, keep fs.promises.
import { close, fstat, open, readFile, type Stats, stat } from 'node:fs';

/** Settles with a callback's result (or its error). */
function settle<T>(
  start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

export const statFile = (path: string): Promise<Stats> => settle((done) => stat(path, done));
export const readText = (path: string): Promise<string> => settle((done) => readFile(path, 'utf8', done));
export const openFile = (path: string, flags: number): Promise<number> =>
  settle((done) => open(path, flags, done));
export const fstatFile = (fd: number): Promise<Stats> => settle((done) => fstat(fd, done));
export const readAll = (fd: number): Promise<Buffer> => settle((done) => readFile(fd, done));
export const closeFile = (fd: number): Promise<void> =>
  settle((done) => close(fd, (error) => done(error, undefined)));
