import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The YAML parser is bundled, as a chunk loaded only when a YAML configuration is read: `yaml`
  // is a hundred small files, and resolving and reading them cost a command-line tool more than
  // the rest of its start-up. A JSON configuration, or none, never loads it.
  noExternal: ['yaml'],
  // The bundled parser is CommonJS and require()s Node's own modules.
  banner: ({ format }) =>
    format === 'esm'
      ? {
          js: "import { createRequire as __hushRequire } from 'node:module';\nconst require = __hushRequire(import.meta.url);",
        }
      : {},
});
