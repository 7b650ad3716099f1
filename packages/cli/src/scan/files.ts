import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Ignore } from 'ignore';

/** Files past this size are read as a stream instead of at once. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;

const toPosix = (path: string): string => path.split(sep).join('/');

/**
 * The files under `paths` (default: `root`) outside a git repository, honouring every
 * `.gitignore` on the way down as git would; `.git` folders are never entered. A file named
 * explicitly is taken even when ignored. Paths come back relative to `root`, with `/`.
 */
export async function walkFiles(root: string, paths: string[]): Promise<string[]> {
  const { default: ignore } = await import('ignore');
  const out: string[] = [];
  const rules: Array<{ dir: string; ig: Ignore }> = [];
  const ignored = (path: string, isDir: boolean): boolean =>
    rules.some(({ dir, ig }) => {
      const rel = toPosix(relative(dir, path));
      return rel !== '' && !rel.startsWith('..') && ig.ignores(isDir ? `${rel}/` : rel);
    });
  const walk = async (dir: string): Promise<void> => {
    let gitignore: string | undefined;
    try {
      gitignore = await fs.readFile(join(dir, '.gitignore'), 'utf8');
    } catch {
      gitignore = undefined;
    }
    const pushed = gitignore !== undefined;
    if (pushed) rules.push({ dir, ig: ignore().add(gitignore!) });
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === '.git' || ignored(path, true)) continue;
        await walk(path);
      } else if (entry.isFile() && !ignored(path, false)) out.push(toPosix(relative(root, path)));
    }
    if (pushed) rules.pop();
  };
  for (const given of paths.length ? paths : ['.']) {
    const path = resolve(root, given);
    const stat = await fs.lstat(path).catch(() => undefined);
    if (stat?.isDirectory()) await walk(path);
    else if (stat?.isFile()) out.push(toPosix(relative(root, path)));
  }
  return [...new Set(out)];
}

/** A regular file's bytes in chunks (small files in one), or undefined when it is not one. */
export async function readChunks(path: string): Promise<AsyncIterable<Buffer> | undefined> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  if (stat.size <= WHOLE_FILE_LIMIT) {
    const bytes = await fs.readFile(path).catch(() => undefined);
    if (!bytes) return undefined;
    return (async function* () {
      yield bytes;
    })();
  }
  return createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>;
}
