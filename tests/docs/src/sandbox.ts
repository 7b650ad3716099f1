import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
const DOCS = join(REPO, 'tests', 'docs');
export const HUSH_BIN = join(REPO, 'packages', 'cli', 'bin', 'hush.cjs');

/** The workspace packages an example may install, by name, and where they are. */
export function workspacePackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of ['packages', 'examples'])
    for (const name of readdirSync(join(REPO, folder))) {
      const manifest = join(REPO, folder, name, 'package.json');
      if (!existsSync(manifest)) continue;
      found.set(
        (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name,
        join(REPO, folder, name),
      );
    }
  return found;
}

/**
 * A folder that stands for a user's machine: `node_modules` with the built workspace packages as
 * if installed from the registry (and the libraries they use, for examples that import an SDK),
 * and a `bin/` that goes first on PATH with `hush` and the package managers' forms of it.
 * `only` limits the installed hush packages (an app that installs only what it uses).
 */
export function makeSandboxRoot(only?: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'hush-docs-'));
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'docs-examples', private: true, type: 'module' }),
  );
  const modules = join(root, 'node_modules');
  const link = (name: string, target: string) => {
    const at = join(modules, name);
    if (existsSync(at)) return;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  };
  const packages = workspacePackages();
  for (const [name, dir] of packages) if (!only || only.includes(name)) link(name, dir);
  if (!only) {
    // What the packages depend on, so that an example may import an SDK as its app would.
    for (const dir of packages.values()) linkDependencies(join(dir, 'node_modules'), link);
    linkDependencies(join(DOCS, 'node_modules'), link);
  }
  writeBin(root);
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['**/*.ts'],
        exclude: ['node_modules'],
      },
      null,
      2,
    ),
  );
  return root;
}

function linkDependencies(modules: string, link: (name: string, target: string) => void): void {
  if (!existsSync(modules)) return;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry)))
        link(`${entry}/${scoped}`, join(modules, entry, scoped));
    } else link(entry, join(modules, entry));
  }
}

/**
 * `hush`, and `npx`/`npm`/`pnpm` that know what the sandbox has installed already: installing one
 * of those succeeds, any other package would need the registry and fails; `pnpm --filter` and
 * other workspace commands fail outside the repository (the block wants `cwd repo`).
 */
function writeBin(root: string): void {
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const script = (name: string, body: string) =>
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  const realPath = `PATH="${stripBin(process.env.PATH ?? '', bin)}"`;
  // `name@version` or `@scope/name@version` → the name.
  const installCheck = [
    '    for arg in "$@"; do',
    '      case "$arg" in -*) continue ;; esac',
    '      name="${arg%@*}"; [ -n "$name" ] || name="$arg"',
    `      [ -e "${join(root, 'node_modules')}/$name" ] || { echo "docs-test: $arg is not installed in the sandbox (a package of this repository or one they use)" >&2; exit 1; }`,
    '    done',
    '    exit 0 ;;',
  ];
  script('hush', `exec "${process.execPath}" "${HUSH_BIN}" "$@"`);
  script(
    'npx',
    [
      'case "$1" in',
      '  @hush/cli|@hush/cli@*) shift; exec hush "$@" ;;',
      "  hush|hush@*) echo \"docs-test: 'npx hush' runs the unrelated npm package 'hush'; write npx @hush/cli\" >&2; exit 1 ;;",
      'esac',
      `${realPath} exec npx "$@"`,
    ].join('\n'),
  );
  script(
    'pnpm',
    [
      'if [ "$1" = dlx ] && [[ "$2" == @hush/cli* ]]; then shift 2; exec hush "$@"; fi',
      `case "$PWD/" in "${REPO}/"*) ;; *)`,
      '  case "$1" in',
      '    add|install|i)',
      '      shift',
      ...installCheck.map((line) => `  ${line}`),
      '    *) echo "docs-test: pnpm $1 outside the repository (mark the block cwd repo)" >&2; exit 1 ;;',
      '  esac ;;',
      'esac',
      `${realPath} exec pnpm "$@"`,
    ].join('\n'),
  );
  script(
    'npm',
    [
      'case "$1" in',
      '  install|i|add)',
      '    shift',
      ...installCheck,
      'esac',
      `${realPath} exec npm "$@"`,
    ].join('\n'),
  );
}

function stripBin(path: string, bin: string): string {
  return path
    .split(':')
    .filter((dir) => dir !== bin)
    .join(':');
}

/** A stand-in for a command the machine lacks (kubectl, psql): reads its stdin and succeeds. */
export function writeStub(root: string, name: string): void {
  writeFileSync(join(root, 'bin', name), `#!/usr/bin/env bash\ncat >/dev/null\nexit 0\n`, { mode: 0o755 });
}
