import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import {
  deferPlugin,
  sideEffectFreePlugin,
  VENDORED,
  vendorFile,
  vendorPlugin,
} from './build/bundle-plugins.js';
import { sealBundle } from './build/seal-bundle.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const require = createRequire(import.meta.url);

/** Packages the command finds at run time, never bundled (a native addon; the optional plugins). */
const RUN_TIME = [
  '@lydell/node-pty',
  '@hush/agent',
  '@hush/audit-sqlite',
  '@hush/cache-redis',
  '@hush/mcp',
  '@hush/provider-agent',
  '@hush/rbac',
  '@opentelemetry/api',
];

// `dist` is emptied by the build script: configs writing one folder must not clean it in parallel.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The command: one CommonJS file (dist/hush.cjs) holding the CLI, @hush/core, the built-in
    // providers (local, env) and the CLI's pure-JS dependencies. One file means one read and no
    // module resolution; CommonJS can be loaded through a V8 code cache (code-cache.ts), which
    // makes compiling it nearly free. Each command's module, and everything heavy it needs, stays
    // behind an import() that esbuild turns into a lazy initialiser: only the command that runs
    // is initialised. Other providers and the optional plugins are loaded at run time, with their
    // own copy of @hush/core (errors are told apart by brand, not by prototype).
    // dist/direct.cjs is the direct path (src/direct/entry.ts): static imports only, so that it
    // holds just the parts of core and of the local provider that `get NAME` runs.
    entry: { hush: 'src/command.ts', direct: 'src/direct/entry.ts', 'code-cache': 'src/code-cache.ts' },
    format: ['cjs'],
    platform: 'node',
    splitting: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    // Whitespace and syntax only: names stay, as errors report `name` (SecretNotFoundError).
    minifyWhitespace: true,
    minifySyntax: true,
    shims: true,
    define: { HUSH_VERSION: JSON.stringify(version) },
    noExternal: [/^(?!@lydell\/node-pty$|@opentelemetry\/)/],
    external: RUN_TIME,
    esbuildPlugins: [vendorPlugin(), deferPlugin(), sideEffectFreePlugin()],
    async onSuccess() {
      for (const bundle of ['hush', 'direct'])
        sealBundle(fileURLToPath(new URL(`./dist/${bundle}.cjs`, import.meta.url)));
    },
  },
  {
    // The package's bin (src/bin.ts), with the code-cache loader built in: the file Node starts.
    entry: { hush: 'src/bin.ts' },
    outDir: 'bin',
    format: ['cjs'],
    platform: 'node',
    splitting: false,
    clean: false,
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The vendored dependencies (see build/bundle-plugins.ts), one file each.
    entry: Object.fromEntries(VENDORED.map((name) => [vendorFile(name), require.resolve(name)])),
    format: ['cjs'],
    platform: 'node',
    splitting: false,
    clean: false,
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    noExternal: [/./],
  },
]);
