import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HushConfig, loadConfig, selectEnvironment } from './config.js';
import { debugNote } from './debug.js';
import type { ProviderConfig } from './environment-config.js';
import { ConfigError, PluginNotFoundError } from './errors.js';
import type { ManagerPlugin } from './events.js';
import { SecretManager } from './manager.js';
import type { ProviderRegistration } from './manager-options.js';
import { createProviderFromSpec, type PluginLoadOptions, providerPackageName } from './plugin-loader.js';
import type { ProviderPlugin, SecretProvider } from './provider.js';
import { createCacheTiers } from './tier-loader.js';

export interface FromConfigOptions {
  /** Environment name (else HUSH_ENV, else the file's default). */
  environment?: string;
  env?: Record<string, string | undefined>;
  /** Where provider packages are resolved when the application root lacks them. */
  fallbackPaths?: string[];
  /** Provider plugins already loaded, by kind: used instead of importing `@hush/provider-<kind>`. */
  builtinProviders?: Readonly<Record<string, ProviderPlugin>>;
  plugins?: ManagerPlugin[];
  /** Offline mode (no network call at all); default: `HUSH_OFFLINE` is set to a true value. */
  offline?: boolean;
  /** Told about problems that do not fail an operation (a tampered cache file). */
  onWarning?: (message: string) => void;
}

/** `HUSH_OFFLINE=1` (or `true`, `yes`, `on`) turns offline mode on. */
export function offlineFromEnv(env: Record<string, string | undefined>): boolean {
  const value = env.HUSH_OFFLINE;
  return value !== undefined && value !== '' && !/^(0|false|no|off)$/i.test(value);
}

/** Builds (not initialises) a manager for one environment of a configuration. */
export async function createSecretManagerFromConfig(
  config: HushConfig,
  options: FromConfigOptions = {},
): Promise<SecretManager> {
  const env = options.env ?? process.env;
  const { name, environment } = selectEnvironment(config, options.environment, env);
  const providers = await createProviders(
    environment.providers.map((spec, index) => ({ spec, path: `environments.${name}.providers[${index}]` })),
    env,
    providerLoad(config.root, options),
  );
  const cacheTiers = config.cacheTiers?.length
    ? await createCacheTiers(
        config.cacheTiers,
        { environment: name, env },
        { root: config.root, fallbackPaths: options.fallbackPaths ?? [] },
      )
    : [];
  return new SecretManager({
    providers,
    ...(environment.defaultWriteProvider ? { defaultWriteProvider: environment.defaultWriteProvider } : {}),
    cache: config.cache,
    environment: name,
    ...(cacheTiers.length ? { cacheTiers } : {}),
    ...(config.defaultsOnOutage !== undefined ? { defaultsOnOutage: config.defaultsOnOutage } : {}),
    ...(config.traceNames !== undefined ? { traceNames: config.traceNames } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    offline: options.offline ?? offlineFromEnv(env),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
}

/** Loads the nearest `hush.config.*` (or `file`) and builds a manager for the chosen environment. */
export async function createSecretManager(
  options: FromConfigOptions & { file?: string; cwd?: string } = {},
): Promise<SecretManager> {
  const config = await loadConfig({
    ...(options.file ? { file: options.file } : {}),
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
  });
  if (!config) return createSecretManagerFromEnv({ ...options, root: options.cwd });
  return createSecretManagerFromConfig(config, options);
}

/** A provider to create, and where it was asked for (a configuration path, or `HUSH_PROVIDER`). */
interface NamedSpec {
  spec: ProviderConfig;
  path: string;
}

/**
 * Creates the chain's providers. A provider whose package is not installed is an error naming the
 * package and where it was asked for, unless it is optional: then it is left out, with a debug note.
 */
async function createProviders(
  specs: NamedSpec[],
  env: Record<string, string | undefined>,
  load: PluginLoadOptions,
): Promise<ProviderRegistration[]> {
  const { root } = load;
  const created = await Promise.all(
    specs.map(async ({ spec, path }): Promise<ProviderRegistration | undefined> => {
      let provider: SecretProvider;
      try {
        provider = await createProviderFromSpec(spec, { name: spec.name, root, env }, load);
      } catch (error) {
        if (!(error instanceof PluginNotFoundError)) throw error;
        if (spec.optional) {
          debugNote(
            `provider '${spec.name}' left out of the chain: ${error.packageName} is not installed`,
            env,
          );
          return undefined;
        }
        throw new PluginNotFoundError(error.packageName, root, path);
      }
      return {
        provider,
        ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
        ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
        ...(spec.cacheTtl !== undefined ? { cacheTtl: spec.cacheTtl } : {}),
      };
    }),
  );
  const providers = created.filter((registration) => registration !== undefined);
  if (providers.length === 0)
    throw new ConfigError('none of the configured providers is installed', {
      path: specs[0]?.path.replace(/\[\d+\]$/, '') ?? 'providers',
      hint: `install one of: ${[...new Set(specs.map(({ spec }) => providerPackageName(spec)))].join(', ')}`,
    });
  return providers;
}

export interface FromEnvOptions {
  env?: Record<string, string | undefined>;
  /** Application root (default: the current directory). */
  root?: string | undefined;
  fallbackPaths?: string[];
  /** Provider plugins already loaded, by kind: used instead of importing `@hush/provider-<kind>`. */
  builtinProviders?: Readonly<Record<string, ProviderPlugin>>;
  plugins?: ManagerPlugin[];
  /** Offline mode (no network call at all); default: `HUSH_OFFLINE` is set to a true value. */
  offline?: boolean;
}

/**
 * Builds and initialises a manager from environment variables alone:
 * - `HUSH_PROVIDER`: providers in priority order, comma separated (`vault,env`). Without it:
 *   `azure` when `AZURE_VAULT_URL`/`AZURE_KEYVAULT_URL` is set, `vault` when `VAULT_ADDR` is set,
 *   `local` when `HUSH_MASTER_KEY` is set or `.hush/` holds a store, and always `env` last.
 * - `HUSH_SECRET_PREFIX` (env provider prefix), `HUSH_LOCAL_PATH` (local store path),
 *   `HUSH_DEFAULT_WRITE_PROVIDER`, `HUSH_CACHE_TTL`, `HUSH_OFFLINE`.
 * - Each provider reads its own variables (`VAULT_ADDR`, `AWS_REGION`, `AZURE_VAULT_URL`,
 *   `GOOGLE_CLOUD_PROJECT`, `KUBECONFIG`, `HUSH_MASTER_KEY`...).
 */
export async function createSecretManagerFromEnv(options: FromEnvOptions = {}): Promise<SecretManager> {
  const env = options.env ?? process.env;
  const root = resolve(options.root ?? process.cwd());
  const explicit = env.HUSH_PROVIDER !== undefined;
  const kinds = (explicit ? env.HUSH_PROVIDER!.split(',') : inferKinds(env, root))
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.length === 0) throw new ConfigError('HUSH_PROVIDER names no provider', { path: 'HUSH_PROVIDER' });
  // Kinds that HUSH_PROVIDER names must be installed; the inferred default chain takes what is.
  const specs: NamedSpec[] = kinds.map((kind) => ({
    spec: { kind, name: kind, options: optionsFromEnv(kind, env), optional: !explicit },
    path: 'HUSH_PROVIDER',
  }));
  const providers = await createProviders(specs, env, providerLoad(root, options));
  const names = providers.map((registration) => registration.provider.name);
  const defaultWrite = env.HUSH_DEFAULT_WRITE_PROVIDER ?? kinds.find((k) => k !== 'env' && names.includes(k));
  const manager = new SecretManager({
    providers,
    ...(defaultWrite ? { defaultWriteProvider: defaultWrite } : {}),
    ...(env.HUSH_CACHE_TTL ? { cache: { ttl: env.HUSH_CACHE_TTL } } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    offline: options.offline ?? offlineFromEnv(env),
  });
  await manager.initialize();
  return manager;
}

/** Where providers come from: the built-ins, then the root's packages, then the fallback folders. */
function providerLoad(
  root: string,
  options: { fallbackPaths?: string[]; builtinProviders?: Readonly<Record<string, ProviderPlugin>> },
): PluginLoadOptions {
  return {
    root,
    fallbackPaths: options.fallbackPaths ?? [],
    ...(options.builtinProviders ? { builtinProviders: options.builtinProviders } : {}),
  };
}

function inferKinds(env: Record<string, string | undefined>, root: string): string[] {
  const kinds: string[] = [];
  if (env.AZURE_VAULT_URL || env.AZURE_KEYVAULT_URL) kinds.push('azure');
  if (env.VAULT_ADDR) kinds.push('vault');
  if (env.HUSH_MASTER_KEY || env.HUSH_LOCAL_PATH || existsSync(join(root, '.hush', 'secrets.enc.json')))
    kinds.push('local');
  kinds.push('env');
  return kinds;
}

function optionsFromEnv(kind: string, env: Record<string, string | undefined>): Record<string, unknown> {
  if (kind === 'env' && env.HUSH_SECRET_PREFIX) return { prefix: env.HUSH_SECRET_PREFIX };
  if (kind === 'local' && env.HUSH_LOCAL_PATH) return { path: env.HUSH_LOCAL_PATH };
  return {};
}
