import { ConfigError, type Duration, parseDuration } from '@hush/core';
import type { Redis } from 'ioredis';

export interface RedisCacheTierOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url?: string;
  /** A client of your own instead of `url` (left open by `dispose`). */
  client?: Redis;
  /** Name in metrics (default `redis`). */
  name?: string;
  /** Keeps environments apart in one Redis (default: the manager's environment). */
  environment?: string;
  /** Start of every key and channel (default `hush:`). */
  prefix?: string;
  /** How long a fill lock lives if its holder dies before releasing it (default 10s). */
  lockTtl?: Duration;
  /**
   * How often a reader waiting for another process's fill looks for it when no message woke it
   * (a message lost while the subscription reconnected); the holder's messages wake it at once (default 250ms).
   */
  lockPoll?: Duration;
  /** Longest wait for the first connection when the tier is created (default 1s; a later connection is made in the background). */
  connectTimeout?: Duration;
  /** The clock that entries' `freshUntil` is read against, in epoch ms (default `Date.now`); for tests. */
  now?: () => number;
}

export interface ResolvedOptions {
  name: string;
  environment: string;
  prefix: string;
  lockTtlMs: number;
  lockPollMs: number;
  connectTimeoutMs: number;
  now: () => number;
}

const ALLOWED = [
  'url',
  'client',
  'name',
  'environment',
  'prefix',
  'lockTtl',
  'lockPoll',
  'connectTimeout',
  'now',
];

/** Checks options from configuration (`cache.shared`): every problem names its setting, never its value. */
export function resolveOptions(options: RedisCacheTierOptions, environment: string): ResolvedOptions {
  for (const key of Object.keys(options))
    if (!ALLOWED.includes(key))
      throw new ConfigError(
        `unknown setting '${key}' (expected one of: url, prefix, lockTtl, lockPoll, connectTimeout, name)`,
        {
          path: `cache.shared.${key}`,
        },
      );
  if (options.client === undefined) {
    if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))
      throw new ConfigError('expected a redis:// or rediss:// URL (e.g. ${env:REDIS_URL})', {
        path: 'cache.shared.url',
      });
  }
  for (const key of ['name', 'environment', 'prefix'] as const)
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === ''))
      throw new ConfigError('expected a non-empty string', { path: `cache.shared.${key}` });
  const duration = (key: 'lockTtl' | 'lockPoll' | 'connectTimeout', fallback: number): number => {
    const value = options[key];
    if (value === undefined) return fallback;
    try {
      return parseDuration(value);
    } catch {
      throw new ConfigError("expected a duration such as '500ms' or '10s'", { path: `cache.shared.${key}` });
    }
  };
  return {
    name: options.name ?? 'redis',
    environment: options.environment ?? environment,
    prefix: options.prefix ?? 'hush:',
    lockTtlMs: duration('lockTtl', 10_000),
    lockPollMs: duration('lockPoll', 250),
    connectTimeoutMs: duration('connectTimeout', 1_000),
    now: options.now ?? Date.now,
  };
}
