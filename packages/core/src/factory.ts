import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HushConfig, loadConfig, type ProviderConfig, selectEnvironment } from './config.js';
import { ConfigError } from './errors.js';
import { SecretManager } from './manager.js';
import { createProviderFromSpec } from './plugin-loader.js';
import type { ManagerPlugin, ProviderRegistration } from './types.js';

export interface FromConfigOptions {
  /** Environment name (else HUSH_ENV, else the file's default). */
  environment?: string;
  env?: Record<string, string | undefined>;
  /** Where provider packages are resolved when the application root lacks them. */
  fallbackPaths?: string[];
  plugins?: ManagerPlugin[];
}

/** Builds (not initialises) a manager for one environment of a configuration. */
export async function createSecretManagerFromConfig(
  config: HushConfig,
  options: FromConfigOptions = {},
): Promise<SecretManager> {
  const env = options.env ?? process.env;
  const { environment } = selectEnvironment(config, options.environment, env);
  const providers = await createProviders(environment.providers, config.root, env, options.fallbackPaths);
  return new SecretManager({
    providers,
    ...(environment.defaultWriteProvider ? { defaultWriteProvider: environment.defaultWriteProvider } : {}),
    cache: config.cache,
    ...(options.plugins ? { plugins: options.plugins } : {}),
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

async function createProviders(
  specs: ProviderConfig[],
  root: string,
  env: Record<string, string | undefined>,
  fallbackPaths: string[] = [],
): Promise<ProviderRegistration[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const provider = await createProviderFromSpec(
        spec,
        { name: spec.name, root, env },
        { root, fallbackPaths },
      );
      return {
        provider,
        ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
        ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
        ...(spec.cacheTtl !== undefined ? { cacheTtl: spec.cacheTtl } : {}),
      };
    }),
  );
}

export interface FromEnvOptions {
  env?: Record<string, string | undefined>;
  /** Application root (default: the current directory). */
  root?: string | undefined;
  fallbackPaths?: string[];
  plugins?: ManagerPlugin[];
}

/**
 * Builds and initialises a manager from environment variables alone:
 * - `HUSH_PROVIDER`: providers in priority order, comma separated (`vault,env`). Without it:
 *   `azure` when `AZURE_VAULT_URL`/`AZURE_KEYVAULT_URL` is set, `vault` when `VAULT_ADDR` is set,
 *   `local` when `HUSH_MASTER_KEY` is set or `.hush/` holds a store, and always `env` last.
 * - `HUSH_SECRET_PREFIX` (env provider prefix), `HUSH_LOCAL_PATH` (local store path),
 *   `HUSH_DEFAULT_WRITE_PROVIDER`, `HUSH_CACHE_TTL`.
 * - Each provider reads its own variables (`VAULT_ADDR`, `AWS_REGION`, `AZURE_VAULT_URL`,
 *   `GOOGLE_CLOUD_PROJECT`, `KUBECONFIG`, `HUSH_MASTER_KEY`...).
 */
export async function createSecretManagerFromEnv(options: FromEnvOptions = {}): Promise<SecretManager> {
  const env = options.env ?? process.env;
  const root = resolve(options.root ?? process.cwd());
  const kinds = (env.HUSH_PROVIDER ? env.HUSH_PROVIDER.split(',') : inferKinds(env, root))
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.length === 0) throw new ConfigError('HUSH_PROVIDER names no provider', { path: 'HUSH_PROVIDER' });
  const specs: ProviderConfig[] = kinds.map((kind) => ({
    kind,
    name: kind,
    options: optionsFromEnv(kind, env),
  }));
  const providers = await createProviders(specs, root, env, options.fallbackPaths);
  const defaultWrite = env.HUSH_DEFAULT_WRITE_PROVIDER ?? kinds.find((k) => k !== 'env');
  const manager = new SecretManager({
    providers,
    ...(defaultWrite ? { defaultWriteProvider: defaultWrite } : {}),
    ...(env.HUSH_CACHE_TTL ? { cache: { ttl: env.HUSH_CACHE_TTL } } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  });
  await manager.initialize();
  return manager;
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
