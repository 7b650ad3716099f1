import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  ConfigError,
  type ManagerPlugin,
  type OperationEvent,
  ProviderError,
  ProviderUnavailableError,
  SecretManager,
  SecretNotFoundError,
  UnsupportedOperationError,
  ValidationError,
} from '../src/index.js';

const PLANTED = 'planted-value-7f3a9c';

function chain() {
  const primary = new MemoryProvider({ name: 'primary' });
  const secondary = new MemoryProvider({ name: 'secondary' });
  const env = new MemoryProvider({ name: 'env', readOnly: true });
  return { primary, secondary, env };
}

describe('reads and failover', () => {
  it('asks providers in priority order and the first that has the secret answers', async () => {
    const { primary, secondary } = chain();
    primary.seed({ shared: 'from-primary' });
    secondary.seed({ shared: 'from-secondary', 'only-secondary': 'second' });
    const manager = new SecretManager({ providers: [primary, secondary], cache: { enabled: false } });
    expect((await manager.getSecret('shared'))?.value).toBe('from-primary');
    expect((await manager.getSecret('shared'))?.provider).toBe('primary');
    expect((await manager.getSecret('only-secondary'))?.value).toBe('second');
  });

  it('orders by explicit priority, highest first', async () => {
    const { primary, secondary } = chain();
    primary.seed({ k: 'low' });
    secondary.seed({ k: 'high' });
    const manager = new SecretManager({
      providers: [
        { provider: primary, priority: 10 },
        { provider: secondary, priority: 100 },
      ],
    });
    expect(manager.providerNames).toEqual(['secondary', 'primary']);
    expect((await manager.getSecret('k'))?.value).toBe('high');
  });

  it('skips a failing provider, records it in health and metrics, and answers from the next', async () => {
    const { primary, secondary } = chain();
    secondary.seed({ k: 'fallback' });
    primary.faults.outage = true;
    const manager = new SecretManager({ providers: [primary, secondary], cache: { enabled: false } });
    expect((await manager.getSecret('k'))?.value).toBe('fallback');
    const metrics = await manager.getMetrics();
    expect(metrics.providers.primary!.failovers).toBe(1);
    expect(metrics.providers.primary!.errors).toBeGreaterThanOrEqual(1);
    const health = await manager.healthCheck();
    expect(health.status).toBe('degraded');
    const report = health.providers.find((p) => p.name === 'primary')!;
    expect(report.status).toBe('unhealthy');
    expect(report.consecutiveFailures).toBeGreaterThanOrEqual(1);
  });

  it('skips a provider that does not answer within its timeout', async () => {
    const { primary, secondary } = chain();
    primary.seed({ k: 'slow' });
    secondary.seed({ k: 'fast' });
    primary.faults.latencyMs = 500;
    const manager = new SecretManager({
      providers: [{ provider: primary, timeout: '50ms' }, secondary],
      cache: { enabled: false },
    });
    expect((await manager.getSecret('k'))?.value).toBe('fast');
  });

  it('moves on past not-found and returns null when nobody has it', async () => {
    const { primary, secondary } = chain();
    const manager = new SecretManager({ providers: [primary, secondary] });
    expect(await manager.getSecret('missing')).toBeNull();
    expect(primary.calls.get).toBe(1);
    expect(secondary.calls.get).toBe(1);
    await expect(manager.getSecret('missing', { required: true })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
  });

  it('tells not found from found but empty', async () => {
    const { primary } = chain();
    primary.seed({ empty: '' });
    const manager = new SecretManager({ providers: [primary] });
    const empty = await manager.getSecret('empty');
    expect(empty).not.toBeNull();
    expect(empty!.value).toBe('');
    expect(await manager.getSecret('nothing')).toBeNull();
  });

  it('names every cause when all providers fail, values masked', async () => {
    const { primary, secondary } = chain();
    primary.faults.outage = true;
    secondary.faults.outage = true;
    const manager = new SecretManager({ providers: [primary, secondary] });
    const error = await manager.getSecret('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    const failures = (error as ProviderUnavailableError).failures;
    expect(failures.map((f) => f.provider)).toEqual(['primary', 'secondary']);
    expect((error as Error).message).toMatch(/primary/);
    expect((error as Error).message).toMatch(/secondary/);
  });

  it('pins one provider with no failover', async () => {
    const { primary, secondary } = chain();
    primary.seed({ k: 'p' });
    secondary.seed({ k: 's' });
    const manager = new SecretManager({ providers: [primary, secondary] });
    expect((await manager.getSecret('k', { provider: 'secondary' }))?.value).toBe('s');
    primary.faults.outage = true;
    await expect(manager.getSecret('k', { provider: 'primary', fresh: true })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    await expect(manager.getSecret('k', { provider: 'nope' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('does not fail over past an access denial', async () => {
    const primary = new MemoryProvider({ name: 'primary' });
    const denying = Object.assign(new MemoryProvider({ name: 'denying' }), {
      get: async () => {
        throw new AccessDeniedError('permission denied');
      },
    });
    primary.seed({ k: 'v' });
    const manager = new SecretManager({ providers: [denying, primary] });
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('does not fail over past a provider error that is an answer (e.g. a disabled version)', async () => {
    const primary = new MemoryProvider({ name: 'primary' });
    const disabled = Object.assign(new MemoryProvider({ name: 'disabled' }), {
      get: async () => {
        throw new ProviderError('disabled', "version 3 of 'k' is disabled");
      },
    });
    primary.seed({ k: 'v' });
    const manager = new SecretManager({ providers: [disabled, primary] });
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(ProviderError);
  });

  it('reads one field of a JSON secret, by option or by name#field', async () => {
    const { primary } = chain();
    primary.seed({ 'database/connection': JSON.stringify({ url: 'postgres://db', port: 5432 }) });
    const manager = new SecretManager({ providers: [primary] });
    expect((await manager.getSecret('database/connection#url'))?.value).toBe('postgres://db');
    expect((await manager.getSecret('database/connection', { field: 'port' }))?.value).toBe('5432');
    expect(await manager.getSecret('database/connection#nope')).toBeNull();
  });

  it('reads many secrets with a batch call when the provider has one', async () => {
    const batched = new MemoryProvider({ name: 'batched', batchGet: true });
    batched.seed({ a: '1', b: '2' });
    const manager = new SecretManager({ providers: [batched] });
    const result = await manager.getSecrets(['a', 'b', 'c']);
    expect([...result].map(([k, s]) => [k, s?.value ?? null])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', null],
    ]);
    expect(batched.calls.getMany).toBe(1);
    expect(batched.calls.get).toBeUndefined();
  });

  it('reads many secrets concurrently within a bound when there is no batch call', async () => {
    const plain = new MemoryProvider({ name: 'plain' });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    plain.seed(Object.fromEntries(keys.map((k) => [k, k.toUpperCase()])));
    plain.faults.latencyMs = 5;
    let inFlight = 0;
    let peak = 0;
    const get = plain.get.bind(plain);
    plain.get = async (key, options) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await get(key, options);
      } finally {
        inFlight--;
      }
    };
    const manager = new SecretManager({ providers: [plain], batchConcurrency: 4 });
    const result = await manager.getSecrets(keys);
    expect(keys.every((k) => result.get(k)?.value === k.toUpperCase())).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
    expect(plain.calls.getMany).toBeUndefined();
    expect(peak).toBeGreaterThan(1);
  });
});

describe('writes', () => {
  it('goes to the pinned provider, else defaultWriteProvider', async () => {
    const { primary, secondary } = chain();
    const manager = new SecretManager({ providers: [primary, secondary], defaultWriteProvider: 'secondary' });
    await manager.setSecret('a', 'to-default');
    await manager.setSecret('b', 'to-pinned', { provider: 'primary' });
    expect((await secondary.get('a'))?.value).toBe('to-default');
    expect(await primary.get('a')).toBeNull();
    expect((await primary.get('b'))?.value).toBe('to-pinned');
  });

  it('refuses to write to a read-only provider with a typed error', async () => {
    const { env } = chain();
    const manager = new SecretManager({ providers: [env] });
    const error = await manager.setSecret('x', 'y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect((error as Error).message).toBe("provider 'env' is read-only");
    await expect(manager.deleteSecret('x')).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(manager.rotateSecret('x')).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it('asks which provider to write to when several can and none is the default', async () => {
    const { primary, secondary } = chain();
    const manager = new SecretManager({ providers: [primary, secondary] });
    await expect(manager.setSecret('a', 'b')).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses tags or expiry a provider cannot keep instead of dropping them', async () => {
    const tagless = Object.assign(new MemoryProvider({ name: 'tagless' }), {});
    (tagless.capabilities as { tags: boolean }).tags = false;
    const manager = new SecretManager({ providers: [tagless] });
    await expect(manager.setSecret('a', 'b', { tags: { env: 'prod' } })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
  });

  it('takes expiry as a duration or an ISO date', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    const before = Date.now();
    await manager.setSecret('a', 'v', { expiresAt: '90d' });
    const a = await manager.getSecret('a');
    expect(a!.expiresAt!.getTime() - before).toBeGreaterThanOrEqual(90 * 86_400_000 - 1000);
    await manager.setSecret('b', 'v', { expiresAt: '2030-01-01T00:00:00Z' });
    expect((await manager.getSecret('b'))!.expiresAt!.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    await expect(manager.setSecret('c', 'v', { expiresAt: 'soon' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('hides expired secrets from lists unless asked', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    await manager.setSecret('old', 'v', { expiresAt: new Date(Date.now() - 1000) });
    await manager.setSecret('new', 'v');
    expect((await manager.listSecrets()).map((s) => s.key)).toEqual(['new']);
    expect((await manager.listSecrets({ includeExpired: true })).map((s) => s.key)).toEqual(['new', 'old']);
  });

  it('rotates with a new value or a generator, and rolls back', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    const first = await manager.setSecret('db', 'original');
    await manager.rotateSecret('db', { newValue: 'second' });
    expect((await manager.getSecret('db'))?.value).toBe('second');
    await manager.rotateSecret('db', { generator: 'random:40:hex' });
    expect((await manager.getSecret('db'))?.value).toMatch(/^[0-9a-f]{40}$/);
    await manager.rotateSecret('db', { generator: 'uuid' });
    expect((await manager.getSecret('db'))?.value).toMatch(/^[0-9a-f-]{36}$/);
    const versions = await manager.getSecretVersions('db');
    expect(versions).toHaveLength(4);
    expect((await manager.getSecretVersion('db', first.version)).value).toBe('original');
    await manager.rollbackSecret('db', first.version);
    expect((await manager.getSecret('db'))?.value).toBe('original');
    await expect(manager.rotateSecret('never-set')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('expires older versions on rotate when asked', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    await manager.setSecret('k', 'one');
    await manager.rotateSecret('k', { newValue: 'two', expireOldVersion: true });
    const versions = await manager.getSecretVersions('k');
    const old = versions.find((v) => !v.current)!;
    expect(old.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('deletes, then the secret is not found; deleting nothing is not found', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    await manager.setSecret('k', 'v');
    await manager.getSecret('k');
    await manager.deleteSecret('k');
    expect(await manager.getSecret('k')).toBeNull();
    await expect(manager.deleteSecret('k')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('lists by prefix, glob, tags and scope, first provider winning on duplicates', async () => {
    const { primary, secondary } = chain();
    const manager = new SecretManager({ providers: [primary, secondary], defaultWriteProvider: 'primary' });
    await manager.setSecret('api-key-stripe', 'v', { tags: { env: 'prod' }, scope: 'plugin' });
    await manager.setSecret('api-key-github', 'v', { tags: { env: 'dev' } });
    await manager.setSecret('db/password', 'v');
    secondary.seed({ 'api-key-stripe': 'other', 'db/user': 'u' });
    expect((await manager.listSecrets({ pattern: 'api-key-*' })).map((s) => s.key)).toEqual([
      'api-key-github',
      'api-key-stripe',
    ]);
    expect((await manager.listSecrets('db/')).map((s) => s.key)).toEqual(['db/password', 'db/user']);
    expect((await manager.listSecrets({ tags: { env: 'prod' } })).map((s) => s.key)).toEqual([
      'api-key-stripe',
    ]);
    expect((await manager.listSecrets({ scope: 'plugin' })).map((s) => s.key)).toEqual(['api-key-stripe']);
    expect((await manager.listSecrets({ pattern: 'api-key-stripe' }))[0]!.provider).toBe('primary');
    expect((await manager.listSecrets({ provider: 'secondary' })).map((s) => s.key)).toEqual([
      'api-key-stripe',
      'db/user',
    ]);
  });
});

describe('cache', () => {
  it('serves a hit without calling the provider, and counts hits and misses', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    const manager = new SecretManager({ providers: [primary] });
    await manager.getSecret('k');
    await manager.getSecret('k');
    await manager.getSecret('k');
    expect(primary.calls.get).toBe(1);
    const { cache } = await manager.getMetrics();
    expect(cache).toMatchObject({ hits: 2, misses: 1 });
    expect(cache.hitRate).toBeCloseTo(2 / 3);
  });

  it('expires entries after their TTL', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v1' });
    let now = 1_000_000;
    const manager = new SecretManager({ providers: [primary], cache: { ttl: '40ms' }, now: () => now });
    await manager.getSecret('k');
    primary.seed({ k: 'v2' });
    expect((await manager.getSecret('k'))?.value).toBe('v1');
    now += 60;
    expect((await manager.getSecret('k'))?.value).toBe('v2');
    expect(primary.calls.get).toBe(2);
  });

  it("keeps a provider's values for its own cache TTL when it has one", async () => {
    const { primary, secondary } = chain();
    primary.seed({ quick: 'q1' });
    secondary.seed({ slow: 's1' });
    Object.assign(secondary, { cacheTtlSeconds: 0.04 });
    // The clock is the test's: no sleeping until a TTL passes.
    let now = 1_000_000;
    const manager = new SecretManager({
      providers: [{ provider: primary, cacheTtl: '1h' }, secondary],
      cache: { ttl: '1ms' },
      now: () => now,
    });
    await manager.getSecret('quick');
    await manager.getSecret('slow');
    primary.seed({ quick: 'q2' });
    secondary.seed({ slow: 's2' });
    now += 10;
    expect((await manager.getSecret('quick'))?.value).toBe('q1');
    expect((await manager.getSecret('slow'))?.value).toBe('s1');
    now += 60;
    expect((await manager.getSecret('slow'))?.value).toBe('s2');
  });

  it('evicts the least recently used entry beyond maxSize', async () => {
    const { primary } = chain();
    primary.seed({ a: '1', b: '2', c: '3' });
    const manager = new SecretManager({ providers: [primary], cache: { maxSize: 2 } });
    await manager.getSecret('a');
    await manager.getSecret('b');
    await manager.getSecret('a'); // a is now more recent than b
    await manager.getSecret('c'); // evicts b
    const calls = primary.calls.get!;
    await manager.getSecret('a');
    expect(primary.calls.get).toBe(calls);
    await manager.getSecret('b');
    expect(primary.calls.get).toBe(calls + 1);
  });

  it('is invalidated by every write, rotate, rollback and delete through the manager', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    const v1 = await manager.setSecret('k', 'one');
    expect((await manager.getSecret('k'))?.value).toBe('one');
    await manager.setSecret('k', 'two');
    expect((await manager.getSecret('k'))?.value).toBe('two');
    await manager.rotateSecret('k', 'three');
    expect((await manager.getSecret('k'))?.value).toBe('three');
    await manager.rollbackSecret('k', v1.version);
    expect((await manager.getSecret('k'))?.value).toBe('one');
    expect((await manager.getSecret('k', { provider: 'primary' }))?.value).toBe('one');
    await manager.deleteSecret('k');
    expect(await manager.getSecret('k')).toBeNull();
    expect(await manager.getSecret('k', { provider: 'primary' })).toBeNull();
  });

  it('keys entries on the provider pin and the version', async () => {
    const { primary, secondary } = chain();
    primary.seed({ k: 'p' });
    secondary.seed({ k: 's' });
    const manager = new SecretManager({ providers: [primary, secondary], defaultWriteProvider: 'primary' });
    expect((await manager.getSecret('k'))?.value).toBe('p');
    expect((await manager.getSecret('k', { provider: 'secondary' }))?.value).toBe('s');
    const v2 = await manager.setSecret('k', 'p2');
    expect((await manager.getSecretVersion('k', '1', { provider: 'primary' })).value).toBe('p');
    expect((await manager.getSecretVersion('k', v2.version, { provider: 'primary' })).value).toBe('p2');
  });

  it('makes one backend call for 100 concurrent misses of one key', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    primary.faults.latencyMs = 20;
    const manager = new SecretManager({ providers: [primary] });
    const results = await Promise.all(Array.from({ length: 100 }, () => manager.getSecret('k')));
    expect(results.every((s) => s?.value === 'v')).toBe(true);
    expect(primary.calls.get).toBe(1);
  });

  it('serves a stale value for a bounded time when every provider fails, and counts it', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    let now = 1_000_000;
    const manager = new SecretManager({
      providers: [primary],
      cache: { ttl: '20ms', staleIfError: '200ms' },
      now: () => now,
    });
    await manager.getSecret('k');
    now += 40;
    primary.faults.outage = true;
    expect((await manager.getSecret('k'))?.value).toBe('v');
    expect((await manager.getMetrics()).cache.staleServed).toBe(1);
    now += 250;
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('does not serve stale values when stale-if-error is off', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    let now = 1_000_000;
    const manager = new SecretManager({ providers: [primary], cache: { ttl: '10ms' }, now: () => now });
    await manager.getSecret('k');
    now += 30;
    primary.faults.outage = true;
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});

describe('hooks', () => {
  it('lets a before hook deny and an after hook see every outcome, never the value', async () => {
    const { primary } = chain();
    primary.seed({ open: PLANTED, closed: PLANTED });
    const events: OperationEvent[] = [];
    const plugin: ManagerPlugin = {
      name: 'recorder',
      before(context) {
        if (context.key === 'closed') throw new AccessDeniedError('denied', { accessor: context.accessor });
      },
      after(event) {
        events.push(event);
      },
    };
    const manager = new SecretManager({ providers: [primary], plugins: [plugin] });
    await manager.getSecret('open', { accessor: 'app' });
    await manager.getSecret('missing', { accessor: 'app' });
    await expect(manager.getSecret('closed', { accessor: 'app' })).rejects.toBeInstanceOf(AccessDeniedError);
    await manager.setSecret('new', PLANTED, { actor: 'admin' });
    expect(events.map((e) => [e.operation, e.key, e.outcome])).toEqual([
      ['get', 'open', 'success'],
      ['get', 'missing', 'not_found'],
      ['get', 'closed', 'denied'],
      ['set', 'new', 'success'],
    ]);
    expect(events[0]).toMatchObject({ provider: 'primary', accessor: 'app' });
    expect(events[3]).toMatchObject({ accessor: 'admin', provider: 'primary' });
    expect(events.every((e) => typeof e.durationMs === 'number' && e.requestId.length > 0)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(PLANTED);
  });

  it('fails the operation when an after hook fails (fail-closed audit)', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    const manager = new SecretManager({
      providers: [primary],
      plugins: [{ name: 'broken-audit', after: () => Promise.reject(new Error('audit store unavailable')) }],
    });
    await expect(manager.getSecret('k')).rejects.toThrow('audit store unavailable');
  });

  it('lets plugins narrow list results', async () => {
    const { primary } = chain();
    primary.seed({ 'public/a': '1', 'private/b': '2' });
    const manager = new SecretManager({
      providers: [primary],
      plugins: [
        { name: 'filter', filterList: (_ctx, secrets) => secrets.filter((s) => s.key.startsWith('public/')) },
      ],
    });
    expect((await manager.listSecrets()).map((s) => s.key)).toEqual(['public/a']);
  });

  it('runs before hooks for each key of a batch read', async () => {
    const { primary } = chain();
    primary.seed({ a: '1', b: '2' });
    const seen: string[] = [];
    const manager = new SecretManager({
      providers: [primary],
      plugins: [
        {
          name: 'gate',
          before: (c) => {
            seen.push(`${c.operation}:${c.key}`);
            if (c.key === 'b') throw new AccessDeniedError('denied');
          },
        },
      ],
    });
    await expect(manager.getSecrets(['a', 'b'])).rejects.toBeInstanceOf(AccessDeniedError);
    expect(seen).toEqual(['get:a', 'get:b']);
  });
});

describe('metrics', () => {
  it('counts operations, errors, latency percentiles and provider calls', async () => {
    const { primary } = chain();
    primary.seed({ k: 'v' });
    const manager = new SecretManager({ providers: [primary] });
    for (let i = 0; i < 10; i++) await manager.getSecret('k');
    await manager.getSecret('missing', { required: true }).catch(() => undefined);
    const metrics = await manager.getMetrics();
    expect(metrics.operations.get!.count).toBe(11);
    expect(metrics.operations.get!.errors).toBe(0);
    expect(metrics.operations.get!.latencyMs.p99).toBeGreaterThanOrEqual(
      metrics.operations.get!.latencyMs.p50,
    );
    expect(metrics.providers.primary!.calls).toBe(2);
  });
});

describe('configuration of the manager itself', () => {
  it('refuses no providers, duplicate names and an unknown default write provider', () => {
    expect(() => new SecretManager({ providers: [] })).toThrow(ConfigError);
    expect(() => new SecretManager({ providers: [new MemoryProvider(), new MemoryProvider()] })).toThrow(
      /two providers are named 'memory'/,
    );
    expect(
      () => new SecretManager({ providers: [new MemoryProvider()], defaultWriteProvider: 'vault' }),
    ).toThrow(/defaultWriteProvider 'vault'/);
  });

  it('refuses use after dispose', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider()] });
    await manager.dispose();
    await expect(manager.getSecret('k')).rejects.toThrow(/disposed/);
  });
});

describe('short names and option forms', () => {
  it('takes tags as a list of words, for writing and for filtering', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    await manager.setSecret('api-key-stripe', 'v', { tags: ['production', 'payment'] });
    await manager.setSecret('api-key-github', 'v', { tags: { env: 'dev' } });
    expect((await manager.getSecret('api-key-stripe'))?.tags).toEqual({ production: '', payment: '' });
    expect((await manager.listSecrets({ tags: ['production'] })).map((s) => s.key)).toEqual([
      'api-key-stripe',
    ]);
    await expect(manager.setSecret('x', 'v', { tags: { env: 42 as unknown as string } })).rejects.toThrow(
      /tag 'env'/,
    );
  });

  it('answers to get, set, rotate, list and substituteSecrets', async () => {
    const { primary } = chain();
    const manager = new SecretManager({ providers: [primary] });
    await manager.set('api-key-stripe', 'sk_1', { expiresAt: '90d' });
    expect((await manager.get('api-key-stripe', { required: true }))?.value).toBe('sk_1');
    await manager.rotate('api-key-stripe', { newValue: 'sk_2', actor: 'admin', expireOldVersion: false });
    expect((await manager.list({ pattern: 'api-key-*' })).map((s) => s.key)).toEqual(['api-key-stripe']);
    expect(
      await manager.substituteSecrets({ a: '${secret:api-key-stripe}' }, { accessor: 'app-init' }),
    ).toEqual({ a: 'sk_2' });
  });

  it('calls auditLogCallback after every operation, never with a value', async () => {
    const { primary } = chain();
    const entries: OperationEvent[] = [];
    const manager = new SecretManager({
      providers: [primary],
      auditLogCallback: (entry) => void entries.push(entry),
    });
    await manager.setSecret('k', PLANTED, { actor: 'admin' });
    await manager.getSecret('k', { accessor: 'db-plugin' });
    await manager.getSecret('missing');
    expect(entries.map((e) => [e.operation, e.outcome, e.accessor ?? null])).toEqual([
      ['set', 'success', 'admin'],
      ['get', 'success', 'db-plugin'],
      ['get', 'not_found', null],
    ]);
    expect(JSON.stringify(entries)).not.toContain(PLANTED);
  });
});
