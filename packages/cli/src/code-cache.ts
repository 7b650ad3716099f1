import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Script } from 'node:vm';
import { flagIsOn } from './env-flag.js';

// Loads the command's bundle through a V8 code cache, as Node 22's module.enableCompileCache()
// does (Node 20 has none). The cache is made when the process exits, not when the script is
// compiled: V8 compiles functions lazily, on first call, and a cache made at exit holds every
// function the command ran, so the next run of that command compiles next to nothing. Only a run
// that succeeded, and that its bundle answered itself, makes one (see `launch`).
//
// One cache per command word (`get`, `run`...): each holds what its command runs and no more,
// since reading a cache costs in proportion to its size. It lives in the user's cache folder
// (0700), keyed by the bundle's content hash (set by the build), Node's and V8's versions and
// the architecture; V8 refuses a cache made by other flags (then it is made anew). A code cache
// is code: only a folder and file that this user owns and that no one else may write are read.

/** Marks the line, appended by the build, that carries the bundle's sha256. */
export const HASH_MARK = '//# hush-bundle-sha256=';
/** What the bundle calls for import() (see build/seal-bundle.ts): as long as `import`. */
export const IMPORT_NAME = '__hush';
/** Cache files kept in the folder: the newest, counted across commands and builds. */
const KEEP = 16;
const SUFFIX = '.v8cache';

/** Where code caches are kept: `$XDG_CACHE_HOME/hush/code`, else `~/.cache/hush/code`. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'hush', 'code');
  const home = env.HOME || safeHomedir();
  return home ? join(home, '.cache', 'hush', 'code') : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return require('node:os').homedir();
  } catch {
    return undefined;
  }
}

/** `HUSH_NO_CODE_CACHE=1` (or true, yes, on) loads the bundle without a code cache. */
export function codeCacheDisabled(env: NodeJS.ProcessEnv): boolean {
  return flagIsOn(env.HUSH_NO_CODE_CACHE);
}

/** The bundle's content hash, from the line the build appended; undefined for an unmarked file. */
export function bundleHash(source: string): string | undefined {
  const at = source.lastIndexOf(HASH_MARK);
  if (at < 0) return undefined;
  const hash = source.slice(at + HASH_MARK.length, at + HASH_MARK.length + 64);
  return /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** The cache file of one command of one build under this Node. */
export function cacheFileName(hash: string, command: string | undefined): string {
  const word = command !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(command) ? command : 'other';
  const runtime = `node${process.versions.node}-v8${process.versions.v8}-${process.arch}`;
  return `${hash.slice(0, 20)}-${runtime}-${word}${SUFFIX}`;
}

const mine = (uid: number): boolean => typeof process.getuid !== 'function' || uid === process.getuid();

/** A folder only its owner may write to: anyone else could plant code there. */
function privateFolder(dir: string): boolean {
  try {
    const info = statSync(dir);
    return info.isDirectory() && (info.mode & 0o022) === 0 && mine(info.uid);
  } catch {
    return false;
  }
}

/** The cache's bytes, or undefined: none yet, unreadable, or not safely ours. */
export function readCodeCache(path: string): Buffer | undefined {
  if (!privateFolder(dirname(path))) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const info = fstatSync(fd);
    if (!info.isFile() || (info.mode & 0o022) !== 0 || !mine(info.uid)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes a cache atomically (a private temporary file, then a rename), keeping the folder to the
 * newest few. Best effort: an unwritable or foreign folder only means the next run compiles again.
 */
export function writeCodeCache(path: string, data: Buffer): void {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateFolder(dir)) return;
    writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
    prune(dir, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no folder to leave a temporary file in
    }
  }
}

/** Drops the oldest cache files beyond KEEP (other builds, other Nodes, rarely used commands). */
function prune(dir: string, keep: string): void {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(SUFFIX))
    .map((name) => join(dir, name))
    .filter((path) => path !== keep)
    .map((path) => ({ path, mtime: statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { path } of files.slice(KEEP - 1)) rmSync(path, { force: true });
}

/**
 * Node's CommonJS wrapper, on the source's first line so that line numbers stay as they are, with
 * one more parameter: the import() of this file (a module Node loaded, whose import() works),
 * which resolves as the bundle would, from the same folder. The build writes the bundle wrapped
 * already (see build/seal-bundle.ts): joining the two here would make V8 copy half a megabyte
 * into the young heap, which costs a command one more garbage collection.
 */
export const WRAPPER_HEAD = `(function (exports, require, module, __filename, __dirname, ${IMPORT_NAME}) {`;
export const WRAPPER_TAIL = '\n})';
const wrap = (source: string): string =>
  source.startsWith(WRAPPER_HEAD) ? source : `${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`;

const importModule = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Runs the CommonJS bundle at `file` as Node's loader would, through the code cache of the
 * command `argv` names when there is one, and leaves one for the next run when there was none
 * (or V8 refused it).
 */
export function launch(file: string, argv = process.argv, env = process.env): void {
  // A bundle that hands the command on to another (the direct path to the full command) ran only
  // the part that decided to: a cache of that would lack the code its command runs when answered.
  pending.cache?.drop();
  pending.cache = undefined;
  const dir = codeCacheDisabled(env) ? undefined : codeCacheDir(env);
  // As UTF-8: Node reads that encoding straight into a string, while latin1 goes through a Buffer
  // first (0.2 ms against 0.5 ms for the direct bundle). The build keeps the bundle ASCII only.
  const source = readFileSync(file, 'utf8');
  const hash = bundleHash(source);
  const path = dir && hash ? join(dir, cacheFileName(hash, argv[2])) : undefined;
  const cachedData = path ? readCodeCache(path) : undefined;
  // Loaded here, not at the top: `hush --version` runs this file and needs no compiler.
  const { Script } = process.getBuiltinModule('node:vm');
  const script = new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (path && (cachedData === undefined || script.cachedDataRejected))
    pending.cache = cacheAtExit(path, script);
  const module = { exports: {} };
  const body = script.runInThisContext() as (...args: unknown[]) => void;
  body.call(module.exports, module.exports, requireFor(file), module, file, dirname(file), importModule);
}

/**
 * The cache the running bundle leaves at exit, if it leaves one: one per process, shared by every
 * copy of this loader (the command's bin has one built in; the direct path hands over through
 * dist/code-cache.cjs), so that a hand-over always drops the cache of the bundle it leaves.
 */
const PENDING = Symbol.for('hush.code-cache.pending');
const shared = globalThis as { [PENDING]?: { cache?: { drop(): void } } };
shared[PENDING] ??= {};
const pending = shared[PENDING];

/**
 * Writes the cache of `script` when the process exits, if it succeeded: a cache is kept until the
 * bundle changes, and one made by a run that failed early (a secret not found, a bad flag) holds
 * too little of what the command runs when it works.
 */
function cacheAtExit(path: string, script: Script): { drop(): void } {
  const write = (code: number) => {
    if (code === 0) writeCodeCache(path, script.createCachedData());
  };
  process.once('exit', write);
  return { drop: () => process.off('exit', write) };
}

/**
 * The bundle's `require`: this file's own when the bundle sits next to it or in a sibling folder
 * of the same package (dist/ for the bin), since a require made by node:module's createRequire
 * costs loading node:module, and with it Node's ES module loader and source maps, a good part of
 * a short command's start-up. Either resolves a package name alike; the bundles require their
 * own files by absolute path (see build/bundle-plugins.ts).
 */
function requireFor(file: string): NodeJS.Require {
  if (typeof __dirname === 'string' && dirname(dirname(file)) === dirname(__dirname)) return require;
  return (require('node:module') as typeof import('node:module')).createRequire(file);
}
