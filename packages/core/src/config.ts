import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { type CacheTierConfig, parseCache, parseCacheTiers } from './cache-config.js';
import { readParsedConfig, writeParsedConfig } from './config-cache.js';
import { checkKeys, describe, expectObject } from './config-checks.js';
import { type EnvironmentConfig, parseEnvironments } from './environment-config.js';
import { ConfigError } from './errors.js';
import type { CacheOptions } from './manager-options.js';
import { type NotificationSettings, parseNotifications } from './notify-config.js';
import { parseRotationSettings, type RotationSettings } from './rotation-config.js';

export const CONFIG_FILE_NAMES = ['hush.config.yaml', 'hush.config.yml', 'hush.config.json'];

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
  // A file found by the search exists; one named explicitly may not.
  if (options.file && !existsSync(file)) throw new ConfigError('configuration file not found', { file });
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
  // Checked before interpolation walks it; interpolation keeps its shape, so once is enough.
  assertDepth(raw, file);
  const interpolated = interpolateEnv(raw ?? {}, options.env ?? process.env, file);
  return parseShallow(interpolated, { file, root: dirname(file) });
}

/**
 * Validates a configuration object (from a file or built in code). Throws `ConfigError`
 * with the path of the first problem found.
 */
export function parseConfig(raw: unknown, where: { file?: string; root?: string } = {}): HushConfig {
  assertDepth(raw, where.file);
  return parseShallow(raw, where);
}

/** `parseConfig` of a configuration whose nesting was checked already. */
function parseShallow(raw: unknown, where: { file?: string; root?: string }): HushConfig {
  const fail = (path: string, message: string): never => {
    throw new ConfigError(message, { file: where.file, path });
  };
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
  const environments = parseEnvironments(obj.environments, fail);
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
