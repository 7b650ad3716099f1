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
  // The bundled parser is CommonJS and require()s Node's own modules. Its require is made on first
  // use: importing node:module loads Node's ES module loader and source maps, a cost every
  // command that imports core would pay at start-up, YAML or not.
  banner: ({ format }) =>
    format === 'esm'
      ? {
          js: "let __hushRequire;\nconst require = (id) => (__hushRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id);",
        }
      : {},
});
