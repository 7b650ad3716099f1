import { defineConfig } from 'tsup';

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
    // with import() when that command runs, so that `hush --version` loads commander alone.
    entry: ['src/bin.ts'],
    format: ['esm'],
    splitting: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
]);
