import { promises as fs } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { CliError } from '../errors.js';

const MARKER = '# hush scan pre-commit hook';

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Writes (or rewrites) a pre-commit hook that runs `hush scan --staged` on what is about to be
 * committed. It runs `hush` from PATH, else the binary that installed it. A hook of someone
 * else's is left alone: the command says what line to add to it.
 */
export async function installHook(
  git: SimpleGit,
  root: string,
  options: { baseline?: string; config?: string; env?: string },
): Promise<string> {
  const hooks = (await git.raw(['rev-parse', '--git-path', 'hooks'])).trim();
  const dir = isAbsolute(hooks) ? hooks : join(root, hooks);
  const path = join(dir, 'pre-commit');
  const args = ['scan', '--staged'];
  // Paths relative to the top folder, where git runs hooks.
  if (options.baseline) args.push('--baseline', relativeToRoot(root, options.baseline));
  if (options.config) args.push('--config', relativeToRoot(root, options.config));
  if (options.env) args.push('--env', options.env);
  const self = `${quote(process.execPath)} ${quote(process.argv[1] ?? 'hush')}`;
  const script = [
    '#!/bin/sh',
    `${MARKER} (written by \`hush scan --install-hook\`; run it again to update).`,
    '# It fails the commit when a staged file holds the value of a secret, or one of its encodings.',
    `if command -v hush >/dev/null 2>&1; then set -- hush; else set -- ${self}; fi`,
    `exec "$@" ${args.map(quote).join(' ')}`,
    '',
  ].join('\n');
  const existing = await fs.readFile(path, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(MARKER))
    throw new CliError(
      `${relative(root, path) || path} exists and is not hush's: it was left as it is`,
      1,
      `add this line to it: hush ${args.join(' ')} || exit 1`,
    );
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path, script, { mode: 0o755 });
  await fs.chmod(path, 0o755);
  return path;
}

function relativeToRoot(root: string, path: string): string {
  return relative(root, isAbsolute(path) ? path : join(process.cwd(), path)) || '.';
}
