import { spawn } from 'node:child_process';
import type { SimpleGit } from 'simple-git';
import { CliError } from '../errors.js';

/** Where a blob appears: the commit that gave `path` this content (none for a staged file). */
export interface BlobPlace {
  path: string;
  commit?: string;
}

const NO_OBJECT = /^0+$/;
const GITLINK = '160000';

/** A repository's git, through simple-git; its top folder. */
export async function openRepository(cwd: string): Promise<{ git: SimpleGit; root: string } | undefined> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: cwd, maxConcurrentProcesses: 2 });
  if (!(await git.checkIsRepo().catch(() => false))) return undefined;
  const root = (await git.revparse(['--show-toplevel'])).trim();
  return { git, root };
}

/**
 * Every blob any commit of any ref introduced, with the commit and path that introduced it:
 * one `git log --raw` over the whole history. A blob is then scanned once however many commits
 * carry it. Merges show only what they changed themselves (conflict resolutions).
 */
export async function historyBlobs(
  git: SimpleGit,
  paths: string[],
): Promise<{ blobs: Map<string, BlobPlace[]>; commits: number }> {
  const out = await git.raw([
    'log',
    '--all',
    '--format=%x01%H',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--diff-merges=dense-combined',
    '-z',
    ...(paths.length ? ['--', ...paths] : []),
  ]);
  const blobs = new Map<string, BlobPlace[]>();
  let commits = 0;
  for (const record of out.split('\u0001')) {
    if (!record) continue;
    const tokens = record.split('\u0000');
    const commit = tokens[0]!.trim();
    commits++;
    for (let i = 1; i < tokens.length; i++) {
      const meta = tokens[i]!.replace(/^\n/, '');
      if (!meta.startsWith(':')) continue;
      const path = tokens[++i];
      if (path === undefined) break;
      const parents = /^:+/.exec(meta)![0].length;
      const fields = meta.slice(parents).split(' ');
      const mode = fields[parents];
      const blob = fields[2 * parents + 1];
      const status = fields[fields.length - 1] ?? '';
      if (!blob || NO_OBJECT.test(blob) || mode === GITLINK || status.startsWith('D')) continue;
      const places = blobs.get(blob) ?? [];
      places.push({ path, commit });
      blobs.set(blob, places);
    }
  }
  return { blobs, commits };
}

/** The staged content of every added, copied, modified or renamed file (what a commit would record). */
export async function stagedBlobs(git: SimpleGit): Promise<Map<string, BlobPlace[]>> {
  const names = (await git.raw(['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR']))
    .split('\u0000')
    .filter(Boolean);
  const blobs = new Map<string, BlobPlace[]>();
  if (names.length === 0) return blobs;
  const listed = await git.raw(['ls-files', '-s', '-z', '--', ...names]);
  for (const entry of listed.split('\u0000')) {
    const match = /^(\d+) ([0-9a-f]+) \d+\t(.*)$/s.exec(entry);
    if (!match || match[1] === GITLINK) continue;
    const places = blobs.get(match[2]!) ?? [];
    places.push({ path: match[3]! });
    blobs.set(match[2]!, places);
  }
  return blobs;
}

/** Files of the working tree git would consider: tracked and untracked, minus what is ignored. */
export async function workingTreeFiles(git: SimpleGit, paths: string[]): Promise<string[]> {
  const out = await git.raw([
    'ls-files',
    '-z',
    '--full-name',
    '--cached',
    '--others',
    '--exclude-standard',
    '--deduplicate',
    ...(paths.length ? ['--', ...paths] : []),
  ]);
  return out.split('\u0000').filter(Boolean);
}

/** Receives one blob's bytes as they arrive; `start` may return false to skip its content. */
export interface BlobSink {
  start(blob: string, size: number): void;
  data(chunk: Buffer): void;
  end(): void;
}

/**
 * Streams the blobs through one `git cat-file --batch`, in order. simple-git runs a command to
 * its end and hands back its whole output; this needs a process fed on stdin and read as a
 * stream, so it runs the same git binary directly.
 */
export function readBlobs(root: string, blobs: string[], sink: BlobSink): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let header = '';
    let remaining = -1; // bytes of content still expected; -1 while reading a header
    let trailer = false; // the newline after each content
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length) {
        if (trailer) {
          at++;
          trailer = false;
          continue;
        }
        if (remaining < 0) {
          const nl = chunk.indexOf(10, at);
          if (nl < 0) {
            header += chunk.toString('latin1', at);
            return;
          }
          header += chunk.toString('latin1', at, nl);
          at = nl + 1;
          const [blob, type, size] = header.split(' ');
          header = '';
          if (type === 'missing' || size === undefined) continue;
          remaining = Number(size);
          sink.start(blob!, remaining);
          if (remaining === 0) {
            sink.end();
            remaining = -1;
            trailer = true;
          }
          continue;
        }
        const take = Math.min(remaining, chunk.length - at);
        sink.data(chunk.subarray(at, at + take));
        at += take;
        remaining -= take;
        if (remaining === 0) {
          sink.end();
          remaining = -1;
          trailer = true;
        }
      }
    });
    child.on('error', (error) => reject(new CliError(`cannot run git: ${error.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new CliError(`git cat-file failed (${code}): ${stderr.trim().split('\n')[0]}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(blobs.length ? `${blobs.join('\n')}\n` : '');
  });
}
