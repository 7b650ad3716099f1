import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createSecretManagerFromConfig, parseConfig, SecretManager } from '@hush/core';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '@hush/emulators';
import { MemoryProvider } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheTier } from '../src/index.js';
import { dumpPrefix, freshPrefix, REDIS_URL, rawClient, SKIP_MESSAGE, TIER_KEY, until } from './redis.js';

if (!REDIS_URL) console.log(SKIP_MESSAGE);

const PLANTED = 'planted-redis-value-7c21d9ab';

/** A manager with its own Redis client, as one process of a fleet has. */
async function fleetManager(prefix: string, provider: MemoryProvider, options: { lockWait?: string } = {}) {
  const tier = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
  await tier.connect();
  await tier.subscribed();
  const manager = new SecretManager({
    providers: [provider],
    environment: 'prod',
    cacheTiers: [{ tier, key: TIER_KEY, timeout: '1s', ...options }],
  });
  return { tier, manager };
}

describe.skipIf(!REDIS_URL)('RedisCacheTier on a real Redis', () => {
  const raw = REDIS_URL ? rawClient() : undefined;
  const managers: SecretManager[] = [];
  const track = <T extends { manager: SecretManager }>(made: T): T => {
    managers.push(made.manager);
    return made;
  };
  afterAll(async () => {
    await Promise.all(managers.map((m) => m.dispose()));
    raw?.disconnect();
  });

  it('keeps only ciphertext: no key, field or value in Redis holds the planted value', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { 'db/password': PLANTED, 'api/token': `${PLANTED}-2` } });
    const { manager } = track(await fleetManager(prefix, provider));
    // Watch the invalidation channel too: messages carry names, never values.
    const listener = rawClient();
    const messages: string[] = [];
    listener.on('message', (_channel, text: string) => messages.push(text));
    await listener.subscribe(`${prefix}prod:events`);
    await manager.getSecret('db/password');
    await manager.getSecret('api/token');
    await manager.getSecretVersion('db/password', 1);
    await manager.setSecret('api/token', `${PLANTED}-3`);
    await manager.getSecret('api/token');
    await until(() => messages.length > 0, 1000);
    const dump = await dumpPrefix(raw!, prefix);
    expect(dump.map((d) => d.key).sort()).toEqual([
      `${prefix}prod:s:api/token`,
      `${prefix}prod:s:db/password`,
    ]);
    const forms = [PLANTED, Buffer.from(PLANTED).toString('base64'), Buffer.from(PLANTED).toString('hex')];
    for (const { key, bytes } of dump) {
      for (const form of forms) {
        expect(key).not.toContain(form);
        for (const chunk of bytes) expect(chunk.includes(form)).toBe(false);
      }
    }
    for (const text of messages) expect(text).not.toContain(PLANTED);
    // Two forms of db/password (the plain read and version 1) in one hash.
    expect(Object.keys(await raw!.hgetall(`${prefix}prod:s:db/password`)).length).toBe(2);
    listener.disconnect();
  });

  it('gives entries a TTL in Redis as long as the manager keeps them fresh', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const tier = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
    await tier.connect();
    const manager = new SecretManager({
      providers: [provider],
      environment: 'prod',
      cache: { ttl: '30s' },
      cacheTiers: [{ tier, key: TIER_KEY }],
    });
    managers.push(manager);
    await manager.getSecret('k');
    const ttl = await raw!.pttl(`${prefix}prod:s:k`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('a second process reads the entry from Redis, not from the backend', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: PLANTED } });
    const a = track(await fleetManager(prefix, provider));
    const b = track(await fleetManager(prefix, provider));
    expect((await a.manager.getSecret('k'))?.value).toBe(PLANTED);
    expect((await b.manager.getSecret('k'))?.value).toBe(PLANTED);
    expect(provider.calls.get).toBe(1);
    expect((await b.manager.getMetrics()).cache.tiers?.redis).toMatchObject({ hits: 1, errors: 0 });
  });

  it('a write through one manager reaches another within a second (pub/sub invalidation)', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: 'old-value' } });
    const a = track(await fleetManager(prefix, provider));
    const b = track(await fleetManager(prefix, provider));
    await a.manager.getSecret('k');
    expect((await b.manager.getSecret('k'))?.value).toBe('old-value');
    const started = performance.now();
    await a.manager.setSecret('k', 'new-value');
    const written = performance.now();
    const took = await until(async () => (await b.manager.getSecret('k'))?.value === 'new-value', 1000);
    expect(took).toBeLessThan(1000);
    expect(written - started).toBeLessThan(1000);
    expect((await b.manager.getMetrics()).cache.tiers?.redis?.invalidations).toBeGreaterThanOrEqual(1);
    // Rotate and delete travel the same way.
    await b.manager.rotateSecret('k', 'rotated-value');
    await until(async () => (await a.manager.getSecret('k'))?.value === 'rotated-value', 1000);
    await a.manager.deleteSecret('k');
    await until(async () => (await b.manager.getSecret('k')) === null, 1000);
  });

  it('a lock left by a dead holder costs at most lockWait, then the read goes to the backend', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const { manager } = track(await fleetManager(prefix, provider, { lockWait: '200ms' }));
    await raw!.set(`${prefix}prod:l:k\u0000k`, 'someone-else', 'PX', 60_000);
    const started = performance.now();
    expect((await manager.getSecret('k'))?.value).toBe('value-k');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect((await manager.getMetrics()).cache.tiers?.redis?.lockTimeouts).toBe(1);
    expect(provider.calls.get).toBe(1);
  });

  it('a claim made after another process filled the key and let go gets its entry, not the lock', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: PLANTED } });
    // Process A misses, claims, reads the backend, fills and lets go of the lock...
    const a = track(await fleetManager(prefix, provider));
    expect((await a.manager.getSecret('k'))?.value).toBe(PLANTED);
    expect(provider.calls.get).toBe(1);
    // ...while process B, which missed before A filled, only claims now: it must not read again.
    const b = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
    await b.connect();
    try {
      const claim = await b.lock('k', 'k', { waitMs: 1000 });
      expect(claim.held).toBe(false);
      expect(claim.held === false && claim.entry?.sealed.length).toBeGreaterThan(0);
      // The lock it took for a moment is gone again, so nobody waits for a fill that will not come.
      expect(await raw!.exists(`${prefix}prod:l:k\u0000k`)).toBe(0);
    } finally {
      await b.dispose();
    }
  });

  it('is loaded from configuration: cache.shared with kind redis', async () => {
    const prefix = freshPrefix();
    const root = fileURLToPath(new URL('..', import.meta.url));
    const config = parseConfig(
      {
        environments: { prod: { providers: [{ kind: 'env', module: '../provider-env/dist/index.js' }] } },
        cache: {
          shared: { kind: 'redis', module: './dist/index.js', url: REDIS_URL, key: TIER_KEY, prefix },
        },
      },
      { root },
    );
    const manager = await createSecretManagerFromConfig(config, { env: { HUSH_SECRET_APP_TOKEN: PLANTED } });
    managers.push(manager);
    expect((await manager.getSecret('app-token'))?.value).toBe(PLANTED);
    const dump = await dumpPrefix(raw!, prefix);
    expect(dump.map((d) => d.key)).toEqual([`${prefix}prod:s:app-token`]);
    expect((await manager.getMetrics()).cache.tiers?.redis?.writes).toBe(1);
  });

  it('an entry that does not open (another key) is a counted miss, never an error', async () => {
    const prefix = freshPrefix();
    const provider = new MemoryProvider({ secrets: { k: 'value-k' } });
    const { manager } = track(await fleetManager(prefix, provider));
    await manager.getSecret('k');
    const tier = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
    await tier.connect();
    const other = new SecretManager({
      providers: [provider],
      environment: 'prod',
      cacheTiers: [{ tier, key: Buffer.alloc(32, 1) }],
    });
    managers.push(other);
    expect((await other.getSecret('k'))?.value).toBe('value-k');
    // Counted each time the entry is met: by the lookup, and again by the claim, which finds it filled.
    expect((await other.getMetrics()).cache.tiers?.redis?.errors).toBe(2);
    expect(provider.calls.get).toBe(2);
  });
});

describe.skipIf(!REDIS_URL)('twenty processes missing together', () => {
  let emulator: AwsSecretsManagerEmulator;
  beforeAll(async () => {
    emulator = await startAwsSecretsManagerEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('make one backend call', { timeout: 180_000 }, async () => {
    const prefix = freshPrefix();
    const seed = new (await import('@hush/provider-aws')).AwsSecretsManagerProvider({
      endpoint: emulator.url,
      region: emulator.region,
      credentials: emulator.credentials,
    });
    await seed.set('fleet/db-password', PLANTED);
    emulator.resetCalls();
    // A slow backend, so that every process misses before the first answer lands in Redis.
    emulator.faults.set({ latencyMs: 300 });
    const script = fileURLToPath(new URL('./fixtures/reader.mjs', import.meta.url));
    const children = Array.from({ length: 20 }, () =>
      fork(script, [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: {
          ...process.env,
          READER_REDIS_URL: REDIS_URL,
          READER_PREFIX: prefix,
          READER_AWS_ENDPOINT: emulator.url,
          READER_AWS_KEY_ID: emulator.accessKeyId,
          READER_AWS_SECRET: emulator.secretAccessKey,
          READER_TIER_KEY: TIER_KEY,
          READER_SECRET: 'fleet/db-password',
        },
      }),
    );
    const message = (child: (typeof children)[number]) =>
      new Promise<unknown>((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`reader exited with ${code}`)));
      });
    await Promise.all(children.map(message));
    const answers = children.map(message);
    for (const child of children) child.send('go');
    const digests = (await Promise.all(answers)) as Array<{ digest: string }>;
    const expected = createHash('sha256').update(PLANTED).digest('hex');
    expect(digests.map((d) => d.digest)).toEqual(Array(20).fill(expected));
    expect(emulator.calls.GetSecretValue).toBe(1);
    await seed.dispose();
  });
});
