import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { readParsedConfig, writeParsedConfig } from './config-cache.js';
import { checkKeys, describe, expectObject, type Fail, parseDurationSetting } from './config-checks.js';
import { ConfigError } from './errors.js';
import { type NotificationSettings, parseNotifications } from './notify-config.js';
import { parseRotationSettings, type RotationSettings } from './rotation-config.js';
import { parseTierKey } from './tier-seal.js';
import type { CacheOptions, PersistentCacheOptions } from './types.js';

export const CONFIG_FILE_NAMES = ['hush.config.yaml', 'hush.config.yml', 'hush.config.json'];

export interface ProviderConfig {
  kind: string;
  /** Instance name; defaults to the kind. */
  name: string;
  module?: string;
  priority?: number;
  timeout?: string | number;
  /** How long this provider's values stay fresh in the cache (overrides `cache.ttl`). */
  cacheTtl?: string | number;
  options: Record<string, unknown>;
  /**
   * Left out of the chain (with a note under `HUSH_DEBUG`) when its package is not installed,
   * instead of failing. For fallbacks such as `env` that an application may not install.
   */
  optional?: boolean;
}

/** A cache tier from `cache.shared`: its plugin, its sealing key and the tier's own options. */
export interface CacheTierConfig {
  /** The place of the tier: `shared` (one cache for a fleet). */
  role: 'shared';
  /** Loads `@hush/cache-<kind>` (e.g. `redis`), or what `module` names. */
  kind: string;
  module?: string;
  /** 32 random bytes as base64 or hex: entries are sealed under a key derived from it. */
  key: string;
  timeout?: string | number;
  lockWait?: string | number;
  /** Everything else in the section (`url`, `prefix`...), for the tier plugin. */
  options: Record<string, unknown>;
}

export interface EnvironmentConfig {
  providers: ProviderConfig[];
  defaultWriteProvider?: string;
}

export interface HushConfig {
  /** The file it came from (absent for configuration built in code). */
  file?: string;
  /** Folder of the file: relative paths in options resolve from here. */
  root: string;
  defaultEnvironment?: string;
  environments: Record<string, EnvironmentConfig>;
  cache: CacheOptions;
  /** Cache tiers between the in-process cache and the providers (`cache.shared`). */
  cacheTiers?: CacheTierConfig[];
  /** `resolve` applies a reference's default during an outage too (default false). */
  defaultsOnOutage?: boolean;
  /** `rotation:` (notifyBefore, defaultPeriod), read by rotation checks. */
  rotation?: RotationSettings;
  /** Put secret names on OpenTelemetry spans (off by default; values never go on a span). */
  traceNames?: boolean;
  /** `notifications:` sinks (webhook, command, log) for rotation notices and alerts. */
  notifications?: NotificationSettings;
  /** Opt-in sections read by their own packages (audit, access control). */
  audit?: Record<string, unknown>;
  accessControl?: Record<string, unknown>;
  /**
   * The `schema:` section as written: the secrets the application declares (`SecretSchema`), a
   * map of name to rules or a list of rules with `name`. Checked by `hush check` and `hush types`.
   */
  schema?: unknown;
}

export interface LoadConfigOptions {
  /** An explicit file; otherwise the nearest hush.config.* from `cwd` upwards. */
  file?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * A private folder (0700, created when missing) where a parsed YAML configuration is kept under
   * the hash of its text, so that the next read of the same text needs no YAML parser. For
   * short-lived processes such as a command line; off when not given.
   */
  parsedCacheDir?: string;
}

/** Finds the nearest configuration file from `cwd` upwards. */
export function findConfigFile(cwd = process.cwd()): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) if (existsSync(join(dir, name))) return join(dir, name);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Reads, interpolates (`${env:NAME}`, `${env:NAME:default}`) and validates a configuration
 * file. Every problem is a `ConfigError` naming the file, the path and what was expected.
 * Returns undefined when no file is given and none is found.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<HushConfig | undefined> {
  const file = options.file
    ? resolve(options.cwd ?? process.cwd(), options.file)
    : findConfigFile(options.cwd);
  if (!file) return undefined;
  if (!existsSync(file)) throw new ConfigError('configuration file not found', { file });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the configuration file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { file },
    );
  }
  let raw: unknown;
  try {
    if (extname(file) === '.json') raw = JSON.parse(text);
    else {
      const cacheDir = options.parsedCacheDir;
      raw = cacheDir === undefined ? undefined : readParsedConfig(cacheDir, text);
      if (raw === undefined) {
        const { parse } = await import('./yaml-parser.js');
        // An alias bomb (a few lines expanding to millions of nodes) is refused by the parser itself.
        raw = parse(text, { maxAliasCount: 100 });
        if (cacheDir !== undefined) writeParsedConfig(cacheDir, text, raw);
      }
    }
  } catch (error) {
    // Parser messages quote the file's text, which may hold a value: report the position only.
    throw new ConfigError(
      `not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'} ${parsePosition(error, text)}`,
      { file },
    );
  }
  assertDepth(raw, file);
  const interpolated = interpolateEnv(raw ?? {}, options.env ?? process.env, file);
  return parseConfig(interpolated, { file, root: dirname(file) });
}

/**
 * Validates a configuration object (from a file or built in code). Throws `ConfigError`
 * with the path of the first problem found.
 */
export function parseConfig(raw: unknown, where: { file?: string; root?: string } = {}): HushConfig {
  const fail = (path: string, message: string): never => {
    throw new ConfigError(message, { file: where.file, path });
  };
  assertDepth(raw, where.file);
  const obj = expectObject(raw, '', fail);
  checkKeys(
    obj,
    '',
    [
      'version',
      'defaultEnvironment',
      'environments',
      'cache',
      'defaultsOnOutage',
      'audit',
      'accessControl',
      'rotation',
      'schema',
      'notifications',
      'traceNames',
    ],
    fail,
  );
  if (obj.version !== undefined && obj.version !== 1)
    fail('version', `expected 1, got ${describe(obj.version)}`);
  const environments: Record<string, EnvironmentConfig> = {};
  const envs = expectObject(
    obj.environments ?? fail('environments', 'expected a map of environments (dev, staging, prod...)'),
    'environments',
    fail,
  );
  if (Object.keys(envs).length === 0) fail('environments', 'expected at least one environment');
  for (const [envName, envRaw] of Object.entries(envs)) {
    const path = `environments.${envName}`;
    const env = expectObject(envRaw, path, fail);
    checkKeys(env, path, ['providers', 'defaultWriteProvider'], fail);
    if (!Array.isArray(env.providers) || env.providers.length === 0)
      fail(`${path}.providers`, 'expected a non-empty list of providers');
    const providers = (env.providers as unknown[]).map((p, i) =>
      parseProvider(p, `${path}.providers[${i}]`, fail),
    );
    const names = new Set<string>();
    providers.forEach((p, i) => {
      if (names.has(p.name))
        fail(
          `${path}.providers[${i}].name`,
          `duplicate provider name '${p.name}': give each a distinct name`,
        );
      names.add(p.name);
    });
    const defaultWrite = env.defaultWriteProvider;
    if (defaultWrite !== undefined && (typeof defaultWrite !== 'string' || !names.has(defaultWrite)))
      fail(
        `${path}.defaultWriteProvider`,
        `expected one of the provider names (${[...names].join(', ')}), got ${describe(defaultWrite)}`,
      );
    environments[envName] = {
      providers,
      ...(defaultWrite ? { defaultWriteProvider: defaultWrite as string } : {}),
    };
  }
  if (
    obj.defaultEnvironment !== undefined &&
    (typeof obj.defaultEnvironment !== 'string' || !(obj.defaultEnvironment in environments))
  )
    fail(
      'defaultEnvironment',
      `expected one of the environments (${Object.keys(environments).join(', ')}), got ${describe(obj.defaultEnvironment)}`,
    );
  const config: HushConfig = {
    ...(where.file ? { file: where.file } : {}),
    root: where.root ?? process.cwd(),
    environments,
    cache: parseCache(obj.cache, fail, where.root ?? process.cwd()),
    cacheTiers: parseCacheTiers(obj.cache, fail),
  };
  if (typeof obj.defaultEnvironment === 'string') config.defaultEnvironment = obj.defaultEnvironment;
  if (obj.defaultsOnOutage !== undefined) {
    if (typeof obj.defaultsOnOutage !== 'boolean')
      fail('defaultsOnOutage', `expected true or false, got ${describe(obj.defaultsOnOutage)}`);
    config.defaultsOnOutage = obj.defaultsOnOutage as boolean;
  }
  if (obj.traceNames !== undefined) {
    if (typeof obj.traceNames !== 'boolean')
      fail('traceNames', `expected true or false, got ${describe(obj.traceNames)}`);
    config.traceNames = obj.traceNames as boolean;
  }
  if (obj.rotation !== undefined) config.rotation = parseRotationSettings(obj.rotation, fail);
  if (obj.notifications !== undefined) config.notifications = parseNotifications(obj.notifications, fail);
  if (obj.audit !== undefined) config.audit = expectObject(obj.audit, 'audit', fail);
  if (obj.accessControl !== undefined)
    config.accessControl = expectObject(obj.accessControl, 'accessControl', fail);
  if (obj.schema !== undefined) config.schema = obj.schema;
  return config;
}

/** The environment to use: an explicit choice, then `HUSH_ENV`, then the file's default, then `dev`, then the first. */
export function selectEnvironment(
  config: HushConfig,
  explicit?: string,
  env: Record<string, string | undefined> = process.env,
): { name: string; environment: EnvironmentConfig } {
  const names = Object.keys(config.environments);
  const name =
    explicit ?? env.HUSH_ENV ?? config.defaultEnvironment ?? (names.includes('dev') ? 'dev' : names[0]!);
  const environment = config.environments[name];
  if (!environment)
    throw new ConfigError(`unknown environment '${name}' (configured: ${names.join(', ')})`, {
      ...(config.file ? { file: config.file } : {}),
      path: 'environments',
      hint: explicit ? 'check --env' : env.HUSH_ENV ? 'check HUSH_ENV' : undefined,
    });
  return { name, environment };
}

const ENV_REFERENCE = /(\$?)\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/** Replaces `${env:NAME}` / `${env:NAME:default}` in every string; `$${env:X}` stays literal. */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  file?: string,
  path = '',
): unknown {
  if (typeof value === 'string')
    return value.replace(
      ENV_REFERENCE,
      (match, escaped: string, name: string, fallback: string | undefined) => {
        if (escaped) return match.slice(1);
        const found = env[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        throw new ConfigError(`environment variable ${name} is not set`, {
          ...(file ? { file } : {}),
          path: path || '(root)',
          hint: `export ${name}=... or give a default: \${env:${name}:default}`,
        });
      },
    );
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, file, path ? `${path}.${k}` : k)]),
    );
  return value;
}

const KIND = /^[a-z][a-z0-9-]*$/;

function parseProvider(raw: unknown, path: string, fail: Fail): ProviderConfig {
  const obj = expectObject(raw, path, fail);
  checkKeys(
    obj,
    path,
    ['kind', 'name', 'module', 'priority', 'timeout', 'cacheTtl', 'optional', 'options'],
    fail,
  );
  if (typeof obj.kind !== 'string' || !KIND.test(obj.kind))
    fail(
      `${path}.kind`,
      `expected a provider kind such as 'local', 'env', 'vault', 'aws', 'azure', 'gcp' or 'k8s', got ${describe(obj.kind)}`,
    );
  const provider: ProviderConfig = { kind: obj.kind as string, name: obj.kind as string, options: {} };
  if (obj.name !== undefined) {
    if (typeof obj.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(obj.name))
      fail(`${path}.name`, `expected a name of letters, digits, '-', '_' or '.', got ${describe(obj.name)}`);
    provider.name = obj.name as string;
  }
  if (obj.module !== undefined) {
    if (typeof obj.module !== 'string' || obj.module === '')
      fail(`${path}.module`, `expected a package name or a path, got ${describe(obj.module)}`);
    provider.module = obj.module as string;
  }
  if (obj.priority !== undefined) {
    if (typeof obj.priority !== 'number' || !Number.isFinite(obj.priority))
      fail(`${path}.priority`, `expected a number, got ${describe(obj.priority)}`);
    provider.priority = obj.priority as number;
  }
  if (obj.timeout !== undefined)
    provider.timeout = parseDurationSetting(obj.timeout, `${path}.timeout`, fail);
  if (obj.cacheTtl !== undefined)
    provider.cacheTtl = parseDurationSetting(obj.cacheTtl, `${path}.cacheTtl`, fail);
  if (obj.optional !== undefined) {
    if (typeof obj.optional !== 'boolean') fail(`${path}.optional`, 'expected true or false');
    provider.optional = obj.optional as boolean;
  }
  if (obj.options !== undefined) provider.options = expectObject(obj.options, `${path}.options`, fail);
  return provider;
}

function parseCache(raw: unknown, fail: Fail, root: string): CacheOptions {
  if (raw === undefined) return {};
  const obj = expectObject(raw, 'cache', fail);
  checkKeys(
    obj,
    'cache',
    ['enabled', 'ttl', 'maxSize', 'staleIfError', 'versionTtl', 'refreshAhead', 'shared', 'persistent'],
    fail,
  );
  const cache: CacheOptions = {};
  if (obj.enabled !== undefined) {
    if (typeof obj.enabled !== 'boolean')
      fail('cache.enabled', `expected true or false, got ${describe(obj.enabled)}`);
    cache.enabled = obj.enabled as boolean;
  }
  if (obj.maxSize !== undefined) {
    if (!Number.isInteger(obj.maxSize) || (obj.maxSize as number) < 1)
      fail('cache.maxSize', `expected a positive integer, got ${describe(obj.maxSize)}`);
    cache.maxSize = obj.maxSize as number;
  }
  for (const key of ['ttl', 'staleIfError', 'versionTtl'] as const)
    if (obj[key] !== undefined) cache[key] = parseDurationSetting(obj[key], `cache.${key}`, fail);
  if (obj.refreshAhead !== undefined) {
    const fraction = obj.refreshAhead;
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1))
      fail(
        'cache.refreshAhead',
        `expected a fraction of the TTL from 0 to below 1 (0.2: the last 20%), got ${describe(fraction)}`,
      );
    cache.refreshAhead = fraction as number;
  }
  if (obj.persistent !== undefined && obj.persistent !== false)
    cache.persistent = parsePersistent(obj.persistent, fail, root);
  return cache;
}

/** `cache.persistent`: `true` for the defaults, or `{ path, ttl, keyFile }`; paths from the file's folder. */
function parsePersistent(raw: unknown, fail: Fail, root: string): PersistentCacheOptions {
  const obj = raw === true ? {} : expectObject(raw, 'cache.persistent', fail);
  checkKeys(obj, 'cache.persistent', ['path', 'ttl', 'keyFile'], fail);
  const path = (key: 'path' | 'keyFile', fallback?: string): string | undefined => {
    const value = obj[key] ?? fallback;
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '')
      fail(`cache.persistent.${key}`, `expected a path, got ${describe(value)}`);
    return isAbsolute(value as string) ? (value as string) : resolve(root, value as string);
  };
  const persistent: PersistentCacheOptions = { path: path('path', '.hush/cache')! };
  const keyFile = path('keyFile');
  if (keyFile) persistent.keyFile = keyFile;
  if (obj.ttl !== undefined) persistent.ttl = parseDurationSetting(obj.ttl, 'cache.persistent.ttl', fail);
  return persistent;
}

function parseCacheTiers(raw: unknown, fail: Fail): CacheTierConfig[] {
  if (raw === undefined) return [];
  const shared = (raw as Record<string, unknown>).shared;
  if (shared === undefined) return [];
  const obj = expectObject(shared, 'cache.shared', fail);
  if (typeof obj.kind !== 'string' || !KIND.test(obj.kind))
    fail('cache.shared.kind', `expected a cache tier kind such as 'redis', got ${describe(obj.kind)}`);
  if (obj.module !== undefined && (typeof obj.module !== 'string' || obj.module === ''))
    fail('cache.shared.module', `expected a package name or a path, got ${describe(obj.module)}`);
  if (typeof obj.key !== 'string' || obj.key === '')
    fail(
      'cache.shared.key',
      `expected the key that seals entries (32 random bytes as base64, e.g. \${env:HUSH_CACHE_KEY}), got ${describe(obj.key)}`,
    );
  try {
    parseTierKey(obj.key as string);
  } catch (error) {
    fail('cache.shared.key', (error as Error).message.replace(/^cache\.shared\.key: /, ''));
  }
  const { kind, module, key, timeout, lockWait, ...options } = obj;
  const tier: CacheTierConfig = { role: 'shared', kind: kind as string, key: key as string, options };
  if (module !== undefined) tier.module = module as string;
  if (timeout !== undefined) tier.timeout = parseDurationSetting(timeout, 'cache.shared.timeout', fail);
  if (lockWait !== undefined) tier.lockWait = parseDurationSetting(lockWait, 'cache.shared.lockWait', fail);
  return [tier];
}

/** Deepest nesting a configuration may have: far beyond any real one, well inside the stack. */
export const MAX_CONFIG_DEPTH = 64;

/** Refuses nesting past `MAX_CONFIG_DEPTH`, and a YAML alias that contains itself, without recursion. */
function assertDepth(root: unknown, file: string | undefined): void {
  const stack: Array<{ value: unknown; depth: number; path: string; ancestors: Set<object> }> = [
    { value: root, depth: 0, path: '', ancestors: new Set() },
  ];
  while (stack.length) {
    const { value, depth, path, ancestors } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (ancestors.has(value))
      throw new ConfigError('an alias refers to a node that contains it (a cycle)', {
        ...(file ? { file } : {}),
        path: path || '(root)',
      });
    if (depth >= MAX_CONFIG_DEPTH)
      throw new ConfigError(`nesting deeper than ${MAX_CONFIG_DEPTH} levels`, {
        ...(file ? { file } : {}),
        path: path || '(root)',
      });
    const inner = new Set(ancestors).add(value);
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(value);
    for (const [key, child] of entries)
      stack.push({
        value: child,
        depth: depth + 1,
        path: key.startsWith('[') ? `${path}${key}` : path ? `${path}.${key}` : key,
        ancestors: inner,
      });
  }
}

/** `at line L, column C` for a JSON or YAML parse error, without quoting the text. */
function parsePosition(error: unknown, text: string): string {
  const yamlPos = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
  if (yamlPos) return `at line ${yamlPos.line}, column ${yamlPos.col}`;
  const offset = /position (\d+)/.exec((error as Error).message ?? '')?.[1];
  if (offset === undefined) return '(the parser gave no position)';
  const before = text.slice(0, Number(offset)).split('\n');
  return `at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
