import { SecretManager } from '@hush/core';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '@hush/emulators';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry } from '../src/entry.js';
import { RedisCacheTier } from '../src/index.js';
import { MARK } from '../src/scripts.js';
import { dumpPrefix, freshPrefix, REDIS_URL, rawClient, SKIP_MESSAGE, TIER_KEY, until } from './redis.js';

if (!REDIS_URL) console.log(SKIP_MESSAGE);

const OLD = 'write-through-old-5d1e07c2';
const NEW = 'write-through-new-9a3f66b1';
const SECRET = 'fleet/api-key';

describe.skipIf(!REDIS_URL)('writes through a manager keep the new value in Redis', () => {
  let emulator: AwsSecretsManagerEmulator;
  const raw = REDIS_URL ? rawClient() : undefined;
  const disposables: Array<{ dispose(): Promise<void> }> = [];
  beforeAll(async () => {
    emulator = await startAwsSecretsManagerEmulator();
  });
  afterAll(async () => {
    await Promise.all(disposables.map((d) => d.dispose()));
    await emulator?.stop();
    raw?.disconnect();
  });

  function aws(): AwsSecretsManagerProvider {
    const provider = new AwsSecretsManagerProvider({
      endpoint: emulator.url,
      region: emulator.region,
      credentials: emulator.credentials,
    });
    disposables.push(provider);
    return provider;
  }

  /** One process of the fleet: its own provider client, Redis client and manager. */
  async function member(prefix: string) {
    const tier = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
    await tier.connect();
    await tier.subscribed();
    const manager = new SecretManager({
      providers: [aws()],
      environment: 'prod',
      cacheTiers: [{ tier, key: TIER_KEY, timeout: '1s' }],
    });
    disposables.push(manager);
    return { tier, manager };
  }

  /** Seeds the secret, and has both managers read (and so cache) its current value. */
  async function fleetOfTwo() {
    const prefix = freshPrefix();
    const name = `${SECRET}-${prefix.slice(10, 18)}`;
    await aws().set(name, OLD);
    const a = await member(prefix);
    const b = await member(prefix);
    expect((await a.manager.getSecret(name))?.value).toBe(OLD);
    expect((await b.manager.getSecret(name))?.value).toBe(OLD);
    return { prefix, name, a, b };
  }

  const received = async (m: { manager: SecretManager }) =>
    (await m.manager.getMetrics()).cache.tiers?.redis?.received ?? 0;

  it('after a set through one manager, another reads the new value with no backend call', async () => {
    const { name, a, b } = await fleetOfTwo();
    const written = await a.manager.setSecret(name, NEW);
    await until(async () => (await received(b)) >= 1, 2_000);
    emulator.resetCalls();
    const read = await b.manager.getSecret(name);
    expect(read?.value).toBe(NEW);
    expect(read?.version).toBe(written.version);
    expect(emulator.calls).toEqual({});
    expect((await a.manager.getMetrics()).cache.tiers?.redis?.replaces).toBe(1);
  });

  it('after a rotate through one manager, another reads the new value with no backend call', async () => {
    const { name, a, b } = await fleetOfTwo();
    const rotated = await a.manager.rotateSecret(name, { newValue: NEW });
    await until(async () => (await received(b)) >= 1, 2_000);
    emulator.resetCalls();
    const read = await b.manager.getSecret(name);
    expect(read?.value).toBe(NEW);
    expect(read?.version).toBe(rotated.version);
    expect(emulator.calls).toEqual({});
  });

  it('keeps only ciphertext: the written value is in no key, field or value of Redis', async () => {
    const { prefix, name, a } = await fleetOfTwo();
    await a.manager.setSecret(name, NEW);
    const dump = await dumpPrefix(raw!, prefix);
    expect(dump.map((d) => d.key)).toEqual([`${prefix}prod:s:${name}`]);
    const forms = [NEW, Buffer.from(NEW).toString('base64'), Buffer.from(NEW).toString('hex')];
    for (const { key, bytes } of dump)
      for (const form of forms) {
        expect(key).not.toContain(form);
        for (const chunk of bytes) expect(chunk.includes(form)).toBe(false);
      }
  });

  it('a failed write leaves the entry dropped, not replaced: the other manager reads the backend', async () => {
    const { prefix, name, a, b } = await fleetOfTwo();
    emulator.faults.set({ errorRate: 1 });
    await expect(a.manager.setSecret(name, NEW)).rejects.toThrow();
    emulator.faults.set({ errorRate: 0 });
    const fields = await raw!.hkeys(`${prefix}prod:s:${name}`);
    expect(fields).toEqual([MARK]);
    await until(async () => (await received(b)) >= 1, 2_000);
    emulator.resetCalls();
    expect((await b.manager.getSecret(name))?.value).toBe(OLD);
    expect(emulator.calls.GetSecretValue).toBe(1);
  });

  it('a delete drops the entry in Redis and invalidates the other manager', async () => {
    const { prefix, name, a, b } = await fleetOfTwo();
    await a.manager.deleteSecret(name, { permanent: true });
    expect(await raw!.hkeys(`${prefix}prod:s:${name}`)).toEqual([MARK]);
    await until(async () => (await received(b)) >= 1, 2_000);
    expect(await b.manager.getSecret(name)).toBeNull();
  });
});

describe.skipIf(!REDIS_URL)('the marks writes leave in a hash', () => {
  const raw = REDIS_URL ? rawClient() : undefined;
  const tiers: RedisCacheTier[] = [];
  afterAll(async () => {
    await Promise.all(tiers.map((t) => t.dispose()));
    raw?.disconnect();
  });

  async function tier() {
    const prefix = freshPrefix();
    const made = new RedisCacheTier({ url: REDIS_URL!, prefix }, 'prod');
    await made.connect();
    tiers.push(made);
    return { tier: made, hash: (name: string) => `${prefix}prod:s:${name}` };
  }

  const entry = (version: string, sealed = `sealed-${version}`) => ({
    sealed: Buffer.from(sealed),
    version,
    freshUntil: Date.now() + 60_000,
  });

  const versionIn = async (t: RedisCacheTier, name: string) => (await t.get(name, name))?.version;

  it('a read that began before a write of another version cannot fill over it', async () => {
    const { tier: t } = await tier();
    await t.replace('k', 'k', entry('v2'), { writeMs: 5 });
    await t.set('k', 'k', entry('v1'), { readMs: 1_000 });
    expect(await versionIn(t, 'k')).toBe('v2');
    expect(t.metrics().staleFills).toBe(1);
    // The same version as the write: nothing older, kept.
    await t.set('k', 'k', entry('v2', 'sealed-again'), { readMs: 1_000 });
    expect((await t.get('k', 'k'))?.sealed.toString()).toBe('sealed-again');
  });

  it('a read that began before a delete cannot bring the value back', async () => {
    const { tier: t } = await tier();
    await t.set('k', 'k', entry('v1'));
    await t.delete('k');
    await t.set('k', 'k', entry('v1'), { readMs: 1_000 });
    expect(await t.get('k', 'k')).toBeUndefined();
  });

  it('a read that began after the last write fills as usual', async () => {
    const { tier: t, hash } = await tier();
    // A write a minute ago (the mark as Redis's clock put it then).
    const [seconds] = await raw!.time();
    await raw!.hset(hash('k'), MARK, `${(Number(seconds) - 60) * 1000}:v2`);
    await t.set('k', 'k', entry('v3'), { readMs: 1_000 });
    expect(await versionIn(t, 'k')).toBe('v3');
  });

  it('two writes that overlap keep nothing; a write after the last one keeps its value', async () => {
    const { tier: t, hash } = await tier();
    await t.replace('k', 'k', entry('v2'), { writeMs: 5 });
    // A write that was under way while v2 was kept: either may be what the provider holds.
    await t.replace('k', 'k', entry('v3'), { writeMs: 2_000 });
    expect(await t.get('k', 'k')).toBeUndefined();
    expect(t.metrics().overlappingWrites).toBe(1);
    const [seconds] = await raw!.time();
    await raw!.hset(hash('k'), MARK, `${(Number(seconds) - 60) * 1000}:`);
    await t.replace('k', 'k', entry('v4'), { writeMs: 5 });
    expect(await versionIn(t, 'k')).toBe('v4');
  });

  it('a replace drops the other forms of the secret (versions, pins) and gives the hash a TTL', async () => {
    const { tier: t, hash } = await tier();
    await t.set('k', 'other-form', entry('v1'));
    await t.replace('k', 'k', entry('v2'), { writeMs: 5 });
    expect((await raw!.hkeys(hash('k'))).sort()).toEqual(['k', MARK].sort());
    expect(await raw!.pttl(hash('k'))).toBeGreaterThan(0);
    const stored = decodeEntry((await raw!.hgetBuffer(hash('k'), 'k'))!);
    expect(stored?.version).toBe('v2');
    expect(stored?.sealed.toString()).toBe('sealed-v2');
  });
});
