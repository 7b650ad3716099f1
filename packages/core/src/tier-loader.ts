import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CacheTierConfig } from './cache-config.js';
import type { CacheTierPlugin, CacheTierRegistration } from './cache-tier.js';
import { ConfigError } from './errors.js';
import { type PluginLoadOptions, resolvePackageEntry } from './plugin-loader.js';

/** `@hush/cache-<kind>`, or what `module` names. */
export function cacheTierPackageName(spec: Pick<CacheTierConfig, 'kind' | 'module'>): string {
  return spec.module ?? `@hush/cache-${spec.kind}`;
}

/**
 * Creates the configured cache tiers: each from its package, found the way provider packages
 * are (the application's root first), and registered with its sealing key and timeouts.
 */
export async function createCacheTiers(
  specs: CacheTierConfig[],
  context: { environment: string; env: Record<string, string | undefined> },
  load: PluginLoadOptions,
): Promise<CacheTierRegistration[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const path = `cache.${spec.role}`;
      const plugin = await loadCacheTierPlugin(spec, load, path);
      const tier = await plugin.create(spec.options, { ...context, root: load.root });
      return {
        tier,
        key: spec.key,
        ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
        ...(spec.lockWait !== undefined ? { lockWait: spec.lockWait } : {}),
      };
    }),
  );
}

async function loadCacheTierPlugin(
  spec: CacheTierConfig,
  load: PluginLoadOptions,
  path: string,
): Promise<CacheTierPlugin> {
  const specifier = cacheTierPackageName(spec);
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
  const entry = isPath
    ? resolve(load.root, specifier)
    : resolvePackageEntry(specifier, [load.root, ...(load.fallbackPaths ?? [])]);
  const missing = () =>
    new ConfigError(`cache tier package '${specifier}' is not installed; looked from ${load.root}`, {
      path,
      hint: `install it: npm install ${specifier}`,
    });
  if (!entry) throw missing();
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(entry).href);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && isPath) throw missing();
    throw new ConfigError(`could not load cache tier module '${specifier}': ${(error as Error).message}`, {
      path,
      cause: error,
    });
  }
  const candidates = [loaded, (loaded as { default?: unknown })?.default];
  const plugin = candidates.find(
    (c): c is CacheTierPlugin =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as CacheTierPlugin).create === 'function' &&
      typeof (c as CacheTierPlugin).kind === 'string',
  );
  if (!plugin)
    throw new ConfigError(
      `'${specifier}' does not export a hush cache tier plugin (a default export { kind, create })`,
      {
        path,
      },
    );
  return plugin;
}
