import { existsSync, readFileSync } from 'node:fs';
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
  /**
   * Provider plugins the caller already has loaded, by kind (a tool that bundles its own
   * providers). A spec of such a kind without `module:` uses it, and no package is looked up.
   */
  builtinProviders?: Readonly<Record<string, ProviderPlugin>>;
}

/** Other names users and other tools use for the built-in kinds. */
export const KIND_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'local-file': 'local',
  'aws-secrets': 'aws',
  'aws-secrets-manager': 'aws',
  'azure-kv': 'azure',
  'azure-keyvault': 'azure',
  'azure-key-vault': 'azure',
  'hashicorp-vault': 'vault',
  'gcp-secret-manager': 'gcp',
  'google-secret-manager': 'gcp',
  kubernetes: 'k8s',
});

/** `@hush/provider-<kind>` (aliases such as `azure-keyvault` included), or what `module` names. */
export function providerPackageName(spec: ProviderSpec): string {
  return spec.module ?? `@hush/provider-${KIND_ALIASES[spec.kind] ?? spec.kind}`;
}

/**
 * Loads a provider plugin at run time. Configuration names a `kind`; the kernel imports
 * `@hush/provider-<kind>`, or the package or path given by `module:` (how third parties plug
 * in). A missing package is a `PluginNotFoundError` that names the package to install.
 */
export async function loadProviderPlugin(
  spec: ProviderSpec,
  options: PluginLoadOptions,
): Promise<ProviderPlugin> {
  const builtin = spec.module === undefined ? builtinPlugin(spec.kind, options.builtinProviders) : undefined;
  if (builtin) return builtin;
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
    throw new ConfigError(`could not load provider module '${specifier}': ${(error as Error).message}`, {
      path: 'module',
      cause: error,
    });
  }
  const plugin = findPlugin(loaded);
  if (!plugin)
    throw new ConfigError(
      `'${specifier}' does not export a hush provider plugin (a default export { kind, create })`,
      {
        path: 'module',
        hint: 'export default defineProviderPlugin({ kind, create(options, context) { ... } })',
      },
    );
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

function builtinPlugin(
  kind: string,
  builtins: Readonly<Record<string, ProviderPlugin>> | undefined,
): ProviderPlugin | undefined {
  if (!builtins) return undefined;
  const name = KIND_ALIASES[kind] ?? kind;
  return Object.hasOwn(builtins, name) ? builtins[name] : undefined;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

function findPlugin(loaded: unknown): ProviderPlugin | undefined {
  // ESM default, CJS module.exports, and CJS-compiled `exports.default` all occur in the wild.
  const candidates = [
    loaded,
    (loaded as { default?: unknown })?.default,
    (loaded as { default?: { default?: unknown } })?.default?.default,
  ];
  return candidates.find(
    (c): c is ProviderPlugin =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as ProviderPlugin).create === 'function' &&
      typeof (c as ProviderPlugin).kind === 'string',
  );
}

/**
 * Finds the ESM entry of a package the way Node looks for it from `base` (each
 * `node_modules` folder upwards), but without NODE_PATH or global folders: a provider must
 * be installed for the application, not merely somewhere on the machine.
 */
export function resolvePackageEntry(specifier: string, bases: string[]): string | undefined {
  const parts = specifier.split('/');
  const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const subpath = specifier.slice(packageName.length);
  for (const base of bases) {
    let dir = resolve(base);
    for (;;) {
      const manifest = join(dir, 'node_modules', packageName, 'package.json');
      if (existsSync(manifest)) return esmEntry(manifest, subpath ? `.${subpath}` : '.');
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

function esmEntry(manifestPath: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const root = dirname(manifestPath);
  if (subpath !== '.') return join(root, pickExport(manifest.exports, subpath) ?? subpath);
  return join(root, pickExport(manifest.exports, '.') ?? manifest.module ?? manifest.main ?? 'index.js');
}

function pickExport(exports: unknown, subpath: string): string | undefined {
  if (typeof exports === 'string') return subpath === '.' ? exports : undefined;
  if (!exports || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const hasSubpaths = Object.keys(map).some((k) => k.startsWith('.'));
  return pickCondition(hasSubpaths ? map[subpath] : subpath === '.' ? map : undefined);
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
