import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, PluginNotFoundError } from './errors.js';
import type { ProviderContext, ProviderPlugin, SecretProvider } from './provider.js';

export interface ProviderSpec {
  kind: string;
  /** A package name or a path (relative to the root) to load instead of `@hush/provider-<kind>`. */
  module?: string;
}

export interface PluginLoadOptions {
  /** The application's root: packages are resolved from here first, not from core's folder. */
  root: string;
  /** Further folders to resolve from when the root lacks the package (e.g. the CLI's own install). */
  fallbackPaths?: string[];
}

/** `@hush/provider-<kind>`, or what `module` names. */
export function providerPackageName(spec: ProviderSpec): string {
  return spec.module ?? `@hush/provider-${spec.kind}`;
}

/**
 * Loads a provider plugin at run time. Configuration names a `kind`; the kernel imports
 * `@hush/provider-<kind>`, or the package or path given by `module:` (how third parties plug
 * in). A missing package is a `PluginNotFoundError` that names the package to install.
 */
export async function loadProviderPlugin(spec: ProviderSpec, options: PluginLoadOptions): Promise<ProviderPlugin> {
  const specifier = providerPackageName(spec);
  const entry = isPathSpecifier(specifier)
    ? resolve(options.root, specifier)
    : resolvePackageEntry(specifier, [options.root, ...(options.fallbackPaths ?? [])]);
  if (!entry) throw new PluginNotFoundError(specifier, options.root);
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(entry).href);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && isPathSpecifier(specifier))
      throw new PluginNotFoundError(specifier, options.root);
    throw new ConfigError(`could not load provider module '${specifier}': ${(error as Error).message}`, { path: 'module', cause: error });
  }
  const plugin = findPlugin(loaded);
  if (!plugin)
    throw new ConfigError(`'${specifier}' does not export a hush provider plugin (a default export { kind, create })`, {
      path: 'module',
      hint: 'export default defineProviderPlugin({ kind, create(options, context) { ... } })',
    });
  return plugin;
}

export async function createProviderFromSpec(
  spec: ProviderSpec & { options?: Record<string, unknown> },
  context: ProviderContext,
  load: PluginLoadOptions,
): Promise<SecretProvider> {
  const plugin = await loadProviderPlugin(spec, load);
  return plugin.create(spec.options ?? {}, context);
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

function findPlugin(loaded: unknown): ProviderPlugin | undefined {
  // ESM default, CJS module.exports, and CJS-compiled `exports.default` all occur in the wild.
  const candidates = [loaded, (loaded as { default?: unknown })?.default, (loaded as { default?: { default?: unknown } })?.default?.default];
  return candidates.find(
    (c): c is ProviderPlugin =>
      typeof c === 'object' && c !== null && typeof (c as ProviderPlugin).create === 'function' && typeof (c as ProviderPlugin).kind === 'string',
  );
}

/** Finds the ESM entry of a package as Node would import it from `base`. */
function resolvePackageEntry(specifier: string, bases: string[]): string | undefined {
  const [scopeOrName, maybeName] = specifier.split('/');
  const packageName = scopeOrName!.startsWith('@') ? `${scopeOrName}/${maybeName}` : scopeOrName!;
  const hasSubpath = specifier !== packageName;
  for (const base of bases) {
    const require = createRequire(join(resolve(base), 'noop.js'));
    if (!hasSubpath) {
      const manifest = tryResolve(require, `${packageName}/package.json`) ?? findManifest(require, packageName);
      if (manifest) {
        const entry = esmEntry(manifest);
        if (entry) return entry;
      }
    }
    const resolved = tryResolve(require, specifier);
    if (resolved) return resolved;
  }
  return undefined;
}

function tryResolve(require: NodeJS.Require, specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** For packages whose `exports` hide package.json: walk up from the resolved main file. */
function findManifest(require: NodeJS.Require, packageName: string): string | undefined {
  const main = tryResolve(require, packageName);
  if (!main) return undefined;
  let dir = dirname(main);
  while (dir !== dirname(dir)) {
    const candidate = join(dir, 'package.json');
    try {
      if (JSON.parse(readFileSync(candidate, 'utf8')).name === packageName) return candidate;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return undefined;
}

function esmEntry(manifestPath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const root = dirname(manifestPath);
  const fromExports = pickExport(manifest.exports);
  const relative = fromExports ?? manifest.module ?? manifest.main ?? 'index.js';
  return join(root, relative);
}

function pickExport(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const dot = '.' in map ? map['.'] : Object.keys(map).some((k) => k.startsWith('.')) ? undefined : map;
  return pickCondition(dot);
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (!target || typeof target !== 'object') return undefined;
  const conditions = target as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default', 'require']) {
    if (condition in conditions) {
      const picked = pickCondition(conditions[condition]);
      if (picked) return picked;
    }
  }
  return undefined;
}
