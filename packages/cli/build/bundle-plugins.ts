import { readFile } from 'node:fs/promises';
import type { Options } from 'tsup';

/** An esbuild plugin, as tsup takes them. */
type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** An esbuild filter matching exactly these package names. */
const exactly = (names: readonly string[]): RegExp =>
  new RegExp(`^(${names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);

/**
 * The CLI's heavy dependencies that only some commands use, each built into its own file
 * (dist/vendor/<name>.cjs) and left out of the command's bundle: the bundle every command reads,
 * and its code cache, stay small. `hush run` and `hush get` never load them.
 */
export const VENDORED = ['zod', 'yaml', '@inquirer/prompts', 'simple-git', 'ignore', 'cli-progress'];

/** dist/vendor/<file>.cjs of a vendored package. */
export const vendorFile = (name: string): string => `vendor/${name.replace(/^@/, '').replace(/\//g, '-')}`;

/**
 * Points the bundle's imports of a vendored package at its own file, required (not imported) when
 * the importing module first runs: each becomes a small module of the bundle whose body is
 * `module.exports = require(<the bundle's folder>/vendor/<name>.cjs)`, so that named imports work on the CommonJS
 * file. Core's build carries its own copy of the YAML parser in a chunk
 * (`export { parse } from 'yaml'`): that import goes to the vendored yaml too, so the bundle holds
 * no YAML parser at all.
 */
export function vendorPlugin(): Plugin {
  const filter = exactly(VENDORED);
  const namespace = 'hush-vendor';
  return {
    name: namespace,
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace }));
      build.onResolve({ filter: /^\.\/yaml-parser-\w+\.js$/ }, (args) =>
        /[/\\]core[/\\]dist[/\\]/.test(args.importer) ? { path: 'yaml', namespace } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        // By absolute path (`__dirname` is the bundle's folder): the loader may hand the bundle
        // a `require` made for another folder of the package (the bin's).
        contents: `module.exports = require(require('node:path').join(__dirname, ${JSON.stringify(`${vendorFile(args.path)}.cjs`)}));`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Module-level work in dependencies that the commands do not need at start-up, deferred to first
 * use. Each edit must match exactly, or the build fails: an upgrade that changes the text is seen.
 * - commander requires node:child_process (and with it net, dgram, stream) at load, for
 *   executable subcommands, which hush has none of.
 * - lru-cache reads the global `performance` at load, which makes Node load perf_hooks.
 */
const DEFERRED: { file: RegExp; from: string; to: string }[] = [
  {
    file: /commander[/\\]lib[/\\]command\.js$/,
    from: "const childProcess = require('node:child_process');",
    to: "let childProcessModule; const childProcess = { spawn: (...args) => (childProcessModule ??= require('node:child_process')).spawn(...args) };",
  },
  {
    file: /lru-cache[/\\]dist[/\\]esm[/\\]node[/\\]index\.min\.js$/,
    from: 'var L=typeof performance=="object"&&performance&&typeof performance.now=="function"?performance:Date;',
    to: 'var L={now:()=>(typeof performance=="object"&&performance&&typeof performance.now=="function"?performance:Date).now()};',
  },
];

/** Applies DEFERRED, failing the build when a file it names is bundled without its text. */
export function deferPlugin(): Plugin {
  return {
    name: 'hush-defer',
    setup(build) {
      for (const edit of DEFERRED)
        build.onLoad({ filter: edit.file }, async (args) => {
          const text = await readFile(args.path, 'utf8');
          if (!text.includes(edit.from))
            throw new Error(`${args.path} no longer contains the text to defer: ${edit.from}`);
          return { contents: text.replace(edit.from, edit.to), loader: 'js' };
        });
    },
  };
}

/**
 * Dependencies whose module-level work only serves their own exports: a bundle that imports none
 * of what they export leaves them out. lru-cache makes two diagnostics channels when loaded (Node
 * then loads diagnostics_channel), which the direct path, which holds no cache, has no use for.
 */
const SIDE_EFFECT_FREE = ['lru-cache'];

/** Marks SIDE_EFFECT_FREE packages as free of side effects for esbuild's tree shaking. */
export function sideEffectFreePlugin(): Plugin {
  const filter = exactly(SIDE_EFFECT_FREE);
  const marked = 'hush-side-effect-free';
  return {
    name: marked,
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData === marked) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: marked,
        });
        return found.errors.length ? undefined : { ...found, sideEffects: false };
      });
    },
  };
}
