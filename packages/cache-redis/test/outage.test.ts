import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheTier } from '../src/index.js';
import { HAS_REDIS_SERVER, PrivateRedis, rawClient, TIER_KEY, until } from './redis.js';

if (!HAS_REDIS_SERVER)
  console.log('Redis outage tests skipped: no redis-server on PATH (Debian package redis-server)');

describe.skipIf(!HAS_REDIS_SERVER)('Redis down or slow', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  async function managerFor(provider: MemoryProvider, now?: () => number) {
    const tier = new RedisCacheTier({ url: redis.url }, 'prod');
    await tier.connect();
    await tier.subscribed();
    const manager = new SecretManager({
      providers: [provider],
      environment: 'prod',
      cacheTiers: [{ tier, key: TIER_KEY, timeout: '200ms' }],
      ...(now ? { now } : {}),
    });
    return { tier, manager };
  }

  it('reads and writes go on while Redis is down, counted; the tier is used again when it is back', async () => {
    const provider = new MemoryProvider({ secrets: { a: 'value-a', b: 'value-b', c: 'value-c' } });
    const { manager } = await managerFor(provider);
    const other = await managerFor(provider);
    expect((await manager.getSecret('a'))?.value).toBe('value-a');
    expect((await other.manager.getSecret('a'))?.value).toBe('value-a');
    expect(provider.calls.get).toBe(1);

    await redis.stop();
    const started = performance.now();
    expect((await manager.getSecret('b'))?.value).toBe('value-b');
    expect((await manager.getSecret('c', { fresh: true }))?.value).toBe('value-c');
    await manager.setSecret('a', 'value-a2');
    expect((await manager.getSecret('a'))?.value).toBe('value-a2');
    // Never waiting on a dead Redis: commands fail at once instead of queueing.
    expect(performance.now() - started).toBeLessThan(2_000);
    const down = (await manager.getMetrics()).cache.tiers!.redis!;
    expect(down.errors + down.skipped).toBeGreaterThan(0);
    await until(async () => ((await manager.getMetrics()).cache.tiers!.redis!.reconnects ?? 0) > 0, 5_000);

    await redis.start();
    // The other manager missed the invalidation of 'a' while its subscription was down: on
    // reconnecting it drops every copy, so it cannot keep serving the old value.
    await until(async () => (await other.manager.getSecret('a'))?.value === 'value-a2', 10_000);
    // The tier fills again once the client is back and the cool-down has passed.
    const look = rawClient(redis.url);
    await until(async () => {
      await manager.getSecret('b', { fresh: true });
      return (await look.exists('hush:prod:s:b')) === 1;
    }, 10_000);
    look.disconnect();
    await manager.dispose();
    await other.manager.dispose();
  });

  it('a Redis that stops answering is cut off by the timeout; reads go on', async () => {
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const { manager } = await managerFor(provider);
    const admin = rawClient(redis.url);
    // Every client but this one is paused: commands sit unanswered, as on a saturated server.
    await admin.client('PAUSE', 1500, 'ALL');
    const started = performance.now();
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await manager.getMetrics()).cache.tiers!.redis!.timeouts).toBe(1);
    admin.disconnect();
    // Let the pause run out before the next test.
    await until(
      async () => (await manager.getMetrics()) !== undefined && performance.now() - started > 1600,
      3000,
    );
    await manager.dispose();
  });

  it('starts with Redis down and connects when it comes up', async () => {
    await redis.stop();
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const started = performance.now();
    const { manager } = await managerFor(provider);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    await redis.start();
    const look = rawClient(redis.url);
    await until(async () => {
      await manager.getSecret('k', { fresh: true });
      return (await look.exists('hush:prod:s:k').catch(() => 0)) === 1;
    }, 10_000);
    look.disconnect();
    await manager.dispose();
  });
});
