import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const packages = dirname(pkg);

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The tests run the built `hush` (bin/hush.cjs, built from src/bin.ts, which loads dist/hush.cjs) as a child process. Under turbo, `test` depends on
 * `build`; run directly, the CLI is rebuilt here when dist is missing or older than src. The
 * packages it loads at run time must be built already.
 */
export default function setup(): void {
  const missing = ['core', 'provider-local', 'provider-env', 'audit-sqlite', 'rbac', 'provider-vault'].filter(
    (name) => !existsSync(join(packages, name, 'dist/index.js')),
  );
  if (missing.length)
    throw new Error(
      `@hush/cli tests need the built packages ${missing.map((m) => `@hush/${m}`).join(', ')}: run \`pnpm build\` (turbo) first`,
    );
  const bin = join(pkg, 'dist/hush.cjs');
  // The command bundles core and the built-in providers: their builds count as its sources too.
  const sources = [
    newest(join(pkg, 'src')),
    newest(join(pkg, 'build')),
    statSync(join(pkg, 'package.json')).mtimeMs,
    ...['core', 'provider-local', 'provider-env'].map((name) => newest(join(packages, name, 'dist'))),
  ];
  const stale =
    !existsSync(bin) ||
    !existsSync(join(pkg, 'bin/hush.cjs')) ||
    statSync(bin).mtimeMs < Math.max(...sources);
  if (stale) execFileSync('pnpm', ['run', 'build'], { cwd: pkg, stdio: 'inherit' });
  if (!existsSync(bin)) throw new Error(`${bin} is missing after the build`);
}
