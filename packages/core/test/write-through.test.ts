import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { SecretManager } from '../src/index.js';
import { HeldProvider, ReplacingMemoryTier, SharedStore, TIER_KEY } from './tiers-support.js';

const OLD = 'old-value-3b7e1f';
const NEW = 'new-value-c40a92';

function fleet(providers: () => MemoryProvider[], defaultWriteProvider?: string) {
  const store = new SharedStore();
  const member = () => {
    const tier = new ReplacingMemoryTier(store);
    const manager = new SecretManager({
      providers: providers(),
      // A tier call that times out is skipped: on a loaded machine 100 ms was not enough for an
      // in-memory tier, and a skipped replace is not what these cases are about.
      cacheTiers: [{ tier, key: TIER_KEY, timeout: 10_000 }],
      environment: 'prod',
      ...(defaultWriteProvider ? { defaultWriteProvider } : {}),
    });
    return { tier, manager };
  };
  return { store, a: member(), b: member() };
}

describe('writes through a manager leave their value in a tier that can replace', () => {
  it('set and rotate: the other manager reads each new value from the tier, not the provider', async () => {
    const provider = new MemoryProvider({ secrets: { k: OLD } });
    const { store, a, b } = fleet(() => [provider]);
    expect((await b.manager.getSecret('k'))?.value).toBe(OLD);
    const reads = provider.calls.get ?? 0;

    const written = await a.manager.setSecret('k', NEW);
    expect(a.tier.calls).toMatchObject({ replace: 1, delete: 0 });
    const read = await b.manager.getSecret('k');
    expect(read?.value).toBe(NEW);
    expect(read?.version).toBe(written.version);
    expect(provider.calls.get).toBe(reads);

    // A minute later: two writes within the tier's slack are taken to overlap and keep nothing.
    store.clock.now += 60_000;
    await a.manager.rotateSecret('k', { newValue: `${NEW}-2` });
    expect((await b.manager.getSecret('k'))?.value).toBe(`${NEW}-2`);
    // The rotate's own read of the current version, and nothing for b.
    expect(provider.calls.get).toBe(reads + 1);
    expect((await a.manager.getMetrics()).cache.tiers?.memory?.replaces).toBe(2);
    for (const sealed of store.written) expect(Buffer.from(sealed).includes(NEW)).toBe(false);
  });

  it('a failed write and a delete only drop the entry', async () => {
    const provider = new MemoryProvider({ secrets: { k: OLD } });
    const { store, a, b } = fleet(() => [provider]);
    await b.manager.getSecret('k');
    provider.faults = { outage: true };
    await expect(a.manager.setSecret('k', NEW)).rejects.toThrow();
    provider.faults = {};
    expect(a.tier.calls).toMatchObject({ replace: 0, delete: 1 });
    expect(store.entries.has('k')).toBe(false);
    expect((await b.manager.getSecret('k'))?.value).toBe(OLD);
    await a.manager.deleteSecret('k');
    expect(a.tier.calls).toMatchObject({ replace: 0, delete: 2 });
    expect(await b.manager.getSecret('k')).toBeNull();
  });

  it('a write to a provider that plain reads do not ask first only drops the entry', async () => {
    const first = new MemoryProvider({ name: 'first', secrets: { k: OLD } });
    const second = new MemoryProvider({ name: 'second', secrets: { k: OLD } });
    const { store, a, b } = fleet(() => [first, second], 'second');
    await b.manager.getSecret('k');
    await a.manager.setSecret('k', NEW);
    expect(a.tier.calls).toMatchObject({ replace: 0, delete: 1 });
    expect(store.entries.has('k')).toBe(false);
    // A plain read still finds the first provider's value, as it would without any tier.
    expect((await b.manager.getSecret('k'))?.value).toBe(OLD);
  });

  it('a read that began before the write cannot fill the tier with what it read', async () => {
    const provider = new HeldProvider({ secrets: { k: OLD } });
    const { store, a, b } = fleet(() => [provider]);
    // b's read has its answer (the old value) but has not filled the tier yet when a writes,
    // and a's invalidation reaches b only after that fill, as pub/sub may deliver it.
    const answered = provider.hold();
    const reading = b.manager.getSecret('k', { fresh: true });
    await answered;
    store.holdMessages();
    await a.manager.setSecret('k', NEW);
    provider.release();
    expect((await reading)?.value).toBe(OLD);
    store.deliver();
    const kept = store.entries.get('k')?.get('k');
    const written = (await provider.get('k'))!;
    expect(kept?.version).toBe(written.version);
    expect((await b.manager.getSecret('k'))?.value).toBe(NEW);
  });

  it('a tier that is down makes no write fail: counted', async () => {
    const provider = new MemoryProvider({ secrets: { k: OLD } });
    const { a } = fleet(() => [provider]);
    a.tier.down = true;
    await a.manager.setSecret('k', NEW);
    expect((await a.manager.getMetrics()).cache.tiers?.memory?.errors).toBe(1);
    expect((await provider.get('k'))?.value).toBe(NEW);
  });
});
