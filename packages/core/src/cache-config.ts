import { isAbsolute, resolve } from 'node:path';
import { checkKeys, describe, expectObject, type Fail, KIND, parseDurationSetting } from './config-checks.js';
import type { CacheOptions, PersistentCacheOptions } from './manager-options.js';
import { parseTierKey } from './tier-seal.js';

// `cache:` of the configuration: the in-process cache, the persistent tier and the shared tier.

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

export function parseCache(raw: unknown, fail: Fail, root: string): CacheOptions {
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

export function parseCacheTiers(raw: unknown, fail: Fail): CacheTierConfig[] {
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
