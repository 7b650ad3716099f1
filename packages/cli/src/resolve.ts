import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliError } from './errors.js';

let cliDir: string | undefined;

/** The folder of the installed @hush/cli package: where its own dependencies are found. */
export function cliPackageDir(): string {
  if (cliDir) return cliDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@hush/cli') {
          cliDir = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
      return cliDir;
    }
    dir = parent;
  }
}

/**
 * The ESM entry of `name` as Node would find it from each base in turn (the project root,
 * then the CLI's own install): `node_modules` folders upwards, no global folders.
 */
export function resolvePackage(name: string, bases: string[]): string | undefined {
  for (const base of bases) {
    let dir = resolve(base);
    for (;;) {
      const manifest = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(manifest)) return entryOf(manifest);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

function entryOf(manifestPath: string): string {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  return join(
    dirname(manifestPath),
    pick(manifest.exports) ?? manifest.module ?? manifest.main ?? 'index.js',
  );
}

function pick(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (!target || typeof target !== 'object') return undefined;
  const map = target as Record<string, unknown>;
  if ('.' in map) return pick(map['.']);
  for (const condition of ['import', 'node', 'default', 'require']) {
    const found = condition in map ? pick(map[condition]) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Imports an optional package (audit, access control) from the project, then from the CLI's
 * install. A missing one is an error naming the package to install and why it is needed.
 */
export async function importOptional<T>(name: string, root: string, reason: string): Promise<T> {
  const entry = resolvePackage(name, [root, cliPackageDir()]);
  if (!entry)
    throw new CliError(`${reason}, but ${name} is not installed`, 1, `install it: npm install ${name}`);
  return (await import(pathToFileURL(entry).href)) as T;
}
