import { join } from 'node:path';
import { ContentScan, looksBinary } from './content.js';
import { readChunks } from './files.js';
import { type BlobPlace, readBlobs } from './git.js';
import type { KeyedMatcher, Match } from './matcher.js';

/** One place where a value was found. Never the value. */
export interface Finding {
  secret: string;
  /** The secret's version whose value this is. */
  version: string;
  encoding: string;
  /** Relative to the repository's top folder (or the scanned folder), with `/`. */
  file: string;
  line: number;
  column: number;
  /** Byte offset in the file and the length of the match, in bytes. */
  offset: number;
  length: number;
  /** The commit that introduced this content; absent in the working tree and in staged files. */
  commit?: string;
  source: 'worktree' | 'history' | 'staged';
  binary: boolean;
}

export interface ScanStats {
  files: number;
  blobs: number;
  commits: number;
  bytes: number;
  /** Binary files (or blobs, as path@commit) not scanned; `--include-binary` scans them. */
  skippedBinary: string[];
}

export interface ScanRun {
  matcher: KeyedMatcher;
  includeBinary: boolean;
  findings: Finding[];
  stats: ScanStats;
}

const HEAD_BYTES = 8000;

function toFinding(match: Match, place: BlobPlace, source: Finding['source'], binary: boolean): Finding {
  return {
    secret: match.secret,
    version: match.version,
    encoding: match.encoding,
    file: place.path,
    line: match.line,
    column: match.column,
    offset: match.offset,
    length: match.length,
    ...(place.commit ? { commit: place.commit } : {}),
    source,
    binary,
  };
}

/** Scans working-tree files (paths relative to `root`). */
export async function scanFiles(
  run: ScanRun,
  root: string,
  files: string[],
  onFile?: () => void,
): Promise<void> {
  for (const file of files) {
    onFile?.();
    const chunks = await readChunks(join(root, file));
    if (!chunks) continue;
    run.stats.files++;
    const scan = new ContentScan(run.matcher);
    let first = true;
    let binary = false;
    for await (const chunk of chunks) {
      if (first) {
        first = false;
        binary = looksBinary(chunk);
        if (binary && !run.includeBinary) {
          run.stats.skippedBinary.push(file);
          break;
        }
      }
      run.stats.bytes += chunk.length;
      scan.push(chunk);
    }
    if (binary && !run.includeBinary) continue;
    for (const match of scan.end()) run.findings.push(toFinding(match, { path: file }, 'worktree', binary));
  }
}

/** Scans blobs of the repository at `root` (history or the index), each once, reported at each place. */
export async function scanBlobs(
  run: ScanRun,
  root: string,
  blobs: Map<string, BlobPlace[]>,
  source: 'history' | 'staged',
  onBlob?: () => void,
): Promise<void> {
  let current: {
    places: BlobPlace[];
    scan: ContentScan;
    head: Buffer[];
    headLength: number;
    binary?: boolean;
  };
  const decide = () => {
    const head = Buffer.concat(current.head);
    current.binary = looksBinary(head);
    current.head = [];
    if (!current.binary || run.includeBinary) current.scan.push(head);
  };
  await readBlobs(root, [...blobs.keys()], {
    start(blob, size) {
      onBlob?.();
      run.stats.blobs++;
      run.stats.bytes += size;
      current = {
        places: blobs.get(blob) ?? [],
        scan: new ContentScan(run.matcher),
        head: [],
        headLength: 0,
      };
    },
    data(chunk) {
      if (current.binary === undefined) {
        current.head.push(chunk);
        current.headLength += chunk.length;
        if (current.headLength >= HEAD_BYTES) decide();
      } else if (!current.binary || run.includeBinary) current.scan.push(chunk);
    },
    end() {
      if (current.binary === undefined) decide();
      if (current.binary && !run.includeBinary) {
        for (const place of current.places)
          run.stats.skippedBinary.push(
            place.commit ? `${place.path}@${place.commit.slice(0, 12)}` : place.path,
          );
        return;
      }
      const matches = current.scan.end();
      for (const place of current.places)
        for (const match of matches)
          run.findings.push(toFinding(match, place, source, current.binary === true));
    },
  });
}
