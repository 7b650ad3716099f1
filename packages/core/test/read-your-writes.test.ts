import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { SecretManager } from '../src/index.js';
import { deferred, GatedProvider } from './support.js';

describe('read-your-writes', () => {
  for (const write of ['set', 'rotate', 'delete'] as const)
    it(`a read started after ${write} resolved never sees the old value, and an older read cannot put it back`, async () => {
      const provider = new GatedProvider();
      provider.values.set('k', { value: 'old-value', version: 1 });
      const manager = new SecretManager({ providers: [provider] });
      const gate = deferred();
      provider.gate = gate.promise;
      const before = manager.getSecret('k');
      await new Promise((r) => setImmediate(r));
      provider.gate = undefined;
      if (write === 'set') await manager.setSecret('k', 'new-value');
      else if (write === 'rotate') await manager.rotateSecret('k', { newValue: 'new-value' });
      else await manager.deleteSecret('k');
      const expected = write === 'delete' ? undefined : 'new-value';
      const after = manager.getSecret('k');
      gate.resolve();
      expect((await before)?.value).toBe('old-value');
      expect((await after)?.value).toBe(expected);
      // The read that was in flight during the write must not have repopulated the cache.
      expect((await manager.getSecret('k'))?.value).toBe(expected);
    });

  it('rollback is seen by the next read', async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ providers: [provider] });
    const first = await manager.setSecret('k', 'first-value');
    await manager.setSecret('k', 'second-value');
    expect((await manager.getSecret('k'))?.value).toBe('second-value');
    await manager.rollbackSecret('k', first.version);
    expect((await manager.getSecret('k'))?.value).toBe('first-value');
  });

  it('a batch read in flight during a write cannot repopulate the cache', async () => {
    const provider = new GatedProvider();
    provider.values.set('k', { value: 'old-value', version: 1 });
    const manager = new SecretManager({ providers: [provider] });
    const gate = deferred();
    provider.gate = gate.promise;
    const before = manager.getSecrets(['k']);
    await new Promise((r) => setImmediate(r));
    provider.gate = undefined;
    await manager.setSecret('k', 'new-value');
    gate.resolve();
    expect((await before).get('k')?.value).toBe('old-value');
    expect((await manager.getSecret('k'))?.value).toBe('new-value');
  });
});
