import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// `dist` is emptied by the build script: two configs writing one folder must not clean it in parallel.
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
    // The command is ESM only. Each command, and everything heavy it needs, is a chunk loaded
    // with import() when that command runs, so that `hush --version` loads one small file.
    // The command's own pure-JS dependencies are bundled into those chunks: resolving and reading
    // a hundred small files of `yaml` or `commander` costs more than the code itself. The @hush
    // packages stay external (providers are found and loaded at run time, and share one core),
    // as does node-pty (a native addon).
    entry: ['src/bin.ts'],
    format: ['esm'],
    splitting: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    minify: true,
    define: { HUSH_VERSION: JSON.stringify(version) },
    noExternal: ['commander', 'yaml', '@inquirer/prompts', 'cli-progress'],
    external: [/^@hush\//, '@lydell/node-pty'],
    // Bundled CommonJS code calls require() for Node's own modules.
    banner: {
      js: "import { createRequire as __hushRequire } from 'node:module';\nconst require = __hushRequire(import.meta.url);",
    },
  },
]);
