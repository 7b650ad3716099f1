import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
 * Imports an optional package (audit, access control) from the project, then from the CLI's
 * install. A missing one is an error naming the package to install and why it is needed.
 */
export async function importOptional<T>(name: string, root: string, reason: string): Promise<T> {
  const { resolvePackageEntry } = await import('@hush/core');
  const entry = resolvePackageEntry(name, [root, cliPackageDir()]);
  if (!entry)
    throw new CliError(`${reason}, but ${name} is not installed`, 1, `install it: npm install ${name}`);
  return (await import(pathToFileURL(entry).href)) as T;
}
