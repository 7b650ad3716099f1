import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../src/entry.js';
import plugin, { RedisCacheTier } from '../src/index.js';

describe('options', () => {
  it('refuses a URL that is not redis:// without quoting it', () => {
    const url = 'http://user:hunter2-password@cache.internal:6379';
    let error: unknown;
    try {
      new RedisCacheTier({ url });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('cache.shared.url');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses unknown settings and bad durations by their path', () => {
    expect(() => new RedisCacheTier({ url: 'redis://x', ...({ pasword: 'x' } as object) })).toThrow(
      /cache\.shared\.pasword/,
    );
    expect(() => new RedisCacheTier({ url: 'redis://x', lockTtl: 'soon' })).toThrow(/cache\.shared\.lockTtl/);
  });

  it('is the redis kind of cache tier', () => {
    expect(plugin.kind).toBe('redis');
  });
});

describe('entry bytes', () => {
  it('round-trip the version, freshness and sealed bytes exactly', () => {
    const sealed = Uint8Array.from([1, 0, 255, 7, 42]);
    const decoded = decodeEntry(encodeEntry({ sealed, version: 'v-ü-1', freshUntil: 1_234_567.5 }));
    expect(decoded?.version).toBe('v-ü-1');
    expect(decoded?.freshUntil).toBe(1_234_567.5);
    expect([...decoded!.sealed]).toEqual([...sealed]);
  });

  it('are refused when they are not in this format (a miss, not a crash)', () => {
    expect(decodeEntry(Buffer.from('not an entry'))).toBeUndefined();
    expect(decodeEntry(Buffer.alloc(3))).toBeUndefined();
  });
});
