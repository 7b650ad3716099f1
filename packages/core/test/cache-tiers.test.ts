import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SecretManager } from '../src/index.js';
import { MemoryTier, SharedStore, TIER_KEY } from './tiers-support.js';

const PLANTED = 'planted-tier-value-9f3c1e';

function managerOn(
  store: SharedStore,
  provider: MemoryProvider,
  options: { environment?: string; key?: string; now?: () => number; timeout?: number } = {},
) {
  const tier = new MemoryTier(store);
  const manager = new SecretManager({
    providers: [provider],
    cacheTiers: [{ tier, key: options.key ?? TIER_KEY, timeout: options.timeout ?? 100 }],
    environment: options.environment ?? 'prod',
    ...(options.now ? { now: options.now } : {}),
  });
  return { tier, manager };
}

describe('cache tiers on the read path', () => {
  it('a miss fills the tier with ciphertext only, and another manager reads it there', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { 'db/password': PLANTED } });
    const a = managerOn(store, provider);
    const b = managerOn(store, provider);
    expect((await a.manager.getSecret('db/password'))?.value).toBe(PLANTED);
    expect(provider.calls.get).toBe(1);
    expect(store.written.length).toBe(1);
    for (const sealed of store.written) {
      expect(Buffer.from(sealed).includes(PLANTED)).toBe(false);
      expect(Buffer.from(sealed).toString('base64')).not.toContain(Buffer.from(PLANTED).toString('base64'));
    }
    const fromTier = await b.manager.getSecret('db/password');
    expect(fromTier?.value).toBe(PLANTED);
    expect(fromTier?.provider).toBe('memory');
    expect(provider.calls.get).toBe(1);
    const metrics = await b.manager.getMetrics();
    expect(metrics.cache.tiers?.memory).toMatchObject({ hits: 1, misses: 0, errors: 0 });
    // The tier's answer is masked in the second process too.
    expect(b.manager.masker.mask(`x ${PLANTED} y`)).not.toContain(PLANTED);
  });

  it('an entry moved to another name or read in another environment does not open', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { a: 'value-of-a', b: 'value-of-b' } });
    const prod = managerOn(store, provider);
    await prod.manager.getSecret('a');
    await prod.manager.getSecret('b');
    // Swap the sealed entries of a and b, as someone with write access to the store could.
    const entryA = store.entries.get('a')!.get('a')!;
    const entryB = store.entries.get('b')!.get('b')!;
    store.entries.get('a')!.set('a', entryB);
    store.entries.get('b')!.set('b', entryA);
    const other = managerOn(store, provider);
    expect((await other.manager.getSecret('a'))?.value).toBe('value-of-a');
    expect((await other.manager.getSecret('b'))?.value).toBe('value-of-b');
    expect(provider.calls.get).toBe(4);
    expect((await other.manager.getMetrics()).cache.tiers?.memory?.errors).toBe(2);
    // Another environment sharing the store and the key cannot open prod's entries either.
    const freshStore = new SharedStore();
    await managerOn(freshStore, provider).manager.getSecret('a');
    const staging = managerOn(freshStore, provider, { environment: 'staging' });
    await staging.manager.getSecret('a');
    expect(provider.calls.get).toBe(6);
    // Nor can a manager with another key.
    const otherKey = managerOn(freshStore, provider, { key: Buffer.alloc(32, 9).toString('hex') });
    await otherKey.manager.getSecret('a');
    expect(provider.calls.get).toBe(7);
  });

  it('writes through a manager delete the secret in every tier and invalidate the other managers', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { k: 'old-value' } });
    const a = managerOn(store, provider);
    const b = managerOn(store, provider);
    expect((await a.manager.getSecret('k'))?.value).toBe('old-value');
    expect((await b.manager.getSecret('k'))?.value).toBe('old-value');
    await a.manager.setSecret('k', 'new-value');
    expect(a.tier.calls.delete).toBe(1);
    expect(store.entries.has('k')).toBe(false);
    // b's in-process copy was dropped by the invalidation: its next read sees the new value.
    expect((await b.manager.getSecret('k'))?.value).toBe('new-value');
    expect((await b.manager.getMetrics()).cache.tiers?.memory?.invalidations).toBe(1);
    await b.manager.rotateSecret('k', 'rotated-value');
    expect((await a.manager.getSecret('k'))?.value).toBe('rotated-value');
    await a.manager.deleteSecret('k');
    expect(await b.manager.getSecret('k')).toBeNull();
    expect(a.tier.calls.delete + b.tier.calls.delete).toBe(3);
  });

  it('a tier that fails is skipped and counted, never an error for the read', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { k: 'value-k', j: 'value-j' } });
    let clock = 1_000_000;
    const { tier, manager } = managerOn(store, provider, { now: () => clock });
    tier.down = true;
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    // During the cool-down the tier is not even asked.
    expect((await manager.getSecret('j', { fresh: true }))?.value).toBe('value-j');
    const metrics = (await manager.getMetrics()).cache.tiers!.memory!;
    expect(metrics.errors).toBe(1);
    expect(metrics.skipped).toBeGreaterThan(0);
    // Writes still reach the tier (a delete is tried even during the cool-down) and succeed.
    await manager.setSecret('k', 'value-2');
    expect((await manager.getMetrics()).cache.tiers!.memory!.errors).toBe(2);
    // Back up after the cool-down: used again.
    tier.down = false;
    clock += 2_000;
    expect((await manager.getSecret('k'))?.value).toBe('value-2');
    expect(store.entries.get('k')?.has('k')).toBe(true);
  });

  it('a tier that hangs is cut off by its timeout and counted', async () => {
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const { tier, manager } = managerOn(new SharedStore(), provider, { timeout: 30 });
    tier.hanging = true;
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    expect((await manager.getMetrics()).cache.tiers!.memory!.timeouts).toBe(1);
  });

  it('managers that miss together make one backend call (the tier lock)', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { hot: 'hot-value' } });
    // A slow backend, so that every manager misses before the first answer is written.
    provider.faults = { latencyMs: 30 };
    const managers = Array.from({ length: 20 }, () => managerOn(store, provider).manager);
    const values = await Promise.all(managers.map((m) => m.getSecret('hot')));
    expect(values.map((s) => s?.value)).toEqual(Array(20).fill('hot-value'));
    expect(provider.calls.get).toBe(1);
    expect(store.locks.size).toBe(0);
  });

  it('takes no fill lock when the first provider is never cached (an agent in front of the chain)', async () => {
    const store = new SharedStore();
    const agentLike = new MemoryProvider({ name: 'agent', secrets: { k: 'value-k' } });
    const tier = new MemoryTier(store);
    const manager = new SecretManager({
      providers: [{ provider: agentLike, cacheTtl: 0 }, new MemoryProvider({ name: 'direct' })],
      cacheTiers: [{ tier, key: TIER_KEY }],
    });
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    expect(tier.calls.lock).toBe(0);
    expect(tier.calls.get).toBe(1);
    // Nor is its answer written to the tier: it has no TTL to keep it for.
    expect(tier.calls.set).toBe(0);
  });

  it('keeps a tier answer in process no longer than the tier keeps it fresh', async () => {
    let clock = 0;
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { k: 'v1' } });
    const a = managerOn(store, provider, { now: () => clock });
    await a.manager.getSecret('k');
    clock = 4 * 60_000; // 1 minute left of the 5-minute TTL
    const b = managerOn(store, provider, { now: () => clock });
    await b.manager.getSecret('k');
    expect(provider.calls.get).toBe(1);
    clock += 61_000;
    provider.seed({ k: 'v2' });
    expect((await b.manager.getSecret('k'))?.value).toBe('v2');
  });

  it('getSecrets and resolve go through the tiers too', async () => {
    const store = new SharedStore();
    const provider = new MemoryProvider({ secrets: { a: 'value-a', b: 'value-b' } });
    const first = managerOn(store, provider);
    expect((await first.manager.getSecrets(['a', 'b'])).get('b')?.value).toBe('value-b');
    const second = managerOn(store, provider);
    expect(await second.manager.resolve({ url: 'x://${secret:a}@${secret:b}' })).toEqual({
      url: 'x://value-a@value-b',
    });
    expect(provider.calls.get).toBe(2);
  });

  it('dispose releases the tiers', async () => {
    const { tier, manager } = managerOn(new SharedStore(), new MemoryProvider({ secrets: { k: 'v' } }));
    await manager.dispose();
    expect(tier.disposed).toBe(true);
  });
});

describe('refresh-ahead', () => {
  it('a read in the last 20% of the TTL is served cached and refreshes in the background', async () => {
    let clock = 0;
    const provider = new MemoryProvider({ secrets: { k: 'v1' } });
    const manager = new SecretManager({
      providers: [provider],
      cache: { ttl: 1000, refreshAhead: 0.2 },
      now: () => clock,
    });
    await manager.getSecret('k');
    clock = 700;
    await manager.getSecret('k');
    expect(provider.calls.get).toBe(1);
    provider.seed({ k: 'v2' });
    clock = 850;
    expect((await manager.getSecret('k'))?.value).toBe('v1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(provider.calls.get).toBe(2);
    // The refreshed entry is fresh for a whole TTL from the refresh: no miss at 1100.
    clock = 1100;
    expect((await manager.getSecret('k'))?.value).toBe('v2');
    expect(provider.calls.get).toBe(2);
    const metrics = await manager.getMetrics();
    expect(metrics.cache.refreshes).toBe(1);
    expect(metrics.cache.misses).toBe(1);
  });

  it('a failed refresh keeps the cached value and is counted', async () => {
    let clock = 0;
    const provider = new MemoryProvider({ secrets: { k: 'v1' } });
    const manager = new SecretManager({
      providers: [provider],
      cache: { ttl: 1000, refreshAhead: 0.2 },
      now: () => clock,
    });
    await manager.getSecret('k');
    provider.faults = { outage: true };
    clock = 900;
    expect((await manager.getSecret('k'))?.value).toBe('v1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await manager.getMetrics()).cache.refreshFailures).toBe(1);
    expect((await manager.getSecret('k'))?.value).toBe('v1');
  });

  it('refuses a refreshAhead outside [0, 1)', () => {
    expect(
      () => new SecretManager({ providers: [new MemoryProvider()], cache: { refreshAhead: 1.5 } }),
    ).toThrow(ConfigError);
  });
});

describe('adoptCache', () => {
  it('keeps the entries of the providers named, with their remaining freshness', async () => {
    let clock = 0;
    const kept = new MemoryProvider({ name: 'kept', secrets: { a: 'value-a' } });
    const changed = new MemoryProvider({ name: 'changed', secrets: { b: 'value-b' } });
    const before = new SecretManager({ providers: [kept, changed], cache: { ttl: 1000 }, now: () => clock });
    await before.getSecret('a');
    await before.getSecret('b');
    clock = 400;
    const after = new SecretManager({ providers: [kept, changed], cache: { ttl: 1000 }, now: () => clock });
    expect(after.adoptCache(before, ['kept'])).toBe(1);
    // Before: a from kept (1 call); b asked of kept (miss), then of changed.
    expect([kept.calls.get, changed.calls.get]).toEqual([2, 1]);
    expect((await after.getSecret('a'))?.value).toBe('value-a');
    expect([kept.calls.get, changed.calls.get]).toEqual([2, 1]);
    expect((await after.getSecret('b'))?.value).toBe('value-b');
    expect([kept.calls.get, changed.calls.get]).toEqual([3, 2]);
    // The adopted entry expires when it would have in the previous manager.
    clock = 1001;
    await after.getSecret('a');
    expect(kept.calls.get).toBe(4);
  });
});

describe('cache.shared in configuration', () => {
  const base = { environments: { prod: { providers: [{ kind: 'env' }] } } };

  it('reads the tier kind, key, timeouts and the tier options', () => {
    const config = parseConfig({
      ...base,
      cache: {
        ttl: '1m',
        refreshAhead: 0.2,
        shared: { kind: 'redis', url: 'redis://127.0.0.1:6379', key: TIER_KEY, timeout: '100ms' },
      },
    });
    expect(config.cache).toEqual({ ttl: '1m', refreshAhead: 0.2 });
    expect(config.cacheTiers).toEqual([
      {
        role: 'shared',
        kind: 'redis',
        key: TIER_KEY,
        timeout: '100ms',
        options: { url: 'redis://127.0.0.1:6379' },
      },
    ]);
  });

  it('refuses a key that is not 32 bytes, without quoting it', () => {
    const key = 'not-a-real-key-but-maybe-a-secret';
    let error: unknown;
    try {
      parseConfig({ ...base, cache: { shared: { kind: 'redis', url: 'redis://x', key } } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('cache.shared.key');
    expect(String((error as Error).message)).not.toContain(key);
  });

  it('refuses a missing kind or key', () => {
    expect(() => parseConfig({ ...base, cache: { shared: { key: TIER_KEY } } })).toThrow(
      /cache\.shared\.kind/,
    );
    expect(() => parseConfig({ ...base, cache: { shared: { kind: 'redis' } } })).toThrow(
      /cache\.shared\.key/,
    );
  });
});
