import { ProviderUnavailableError } from '@hush/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFor, rejection, startEmulator } from './helpers.js';

// Retries are core's toolkit: counted at the emulator, per RPC.
describe('GCP retries (core retry within the timeout)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  beforeAll(async () => {
    emulator = await startEmulator({ errorCode: 'UNAVAILABLE' });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('tries a read again on UNAVAILABLE, up to maxAttempts, and counts the retries', async () => {
    const provider = providerFor(emulator, { maxAttempts: 3, timeout: 5_000 });
    try {
      await provider.set('retried/read', 'value-1');
      const before = emulator.calls.ListSecrets;
      emulator.faults.set({ errorRate: 1 });
      expect(await rejection(provider.list({ prefix: 'retried/' }))).toBeInstanceOf(ProviderUnavailableError);
      emulator.faults.clear();
      expect(emulator.calls.ListSecrets - before).toBe(3);
      expect(provider.metrics().retries).toBeGreaterThanOrEqual(2);
      expect((await provider.get('retried/read'))?.value).toBe('value-1');
    } finally {
      emulator.faults.clear();
      await provider.dispose();
    }
  });

  it('never sends a write again after UNAVAILABLE (it may have added a version), but does after throttling', async () => {
    const provider = providerFor(emulator, { maxAttempts: 3, timeout: 5_000 });
    try {
      await provider.set('retried/write', 'value-1');
      let before = emulator.calls.AddSecretVersion;
      emulator.faults.set({ errorRate: 1 });
      expect(await rejection(provider.set('retried/write', 'value-2'))).toBeInstanceOf(
        ProviderUnavailableError,
      );
      emulator.faults.clear();
      expect(emulator.calls.AddSecretVersion - before).toBe(1);

      before = emulator.calls.AddSecretVersion;
      emulator.faults.set({ throttleRate: 1 });
      expect(await rejection(provider.set('retried/write', 'value-3'))).toBeInstanceOf(
        ProviderUnavailableError,
      );
      emulator.faults.clear();
      expect(emulator.calls.AddSecretVersion - before).toBe(3);
    } finally {
      emulator.faults.clear();
      await provider.dispose();
    }
  });

  it('reads a batch through getMany, the missing ones as null', async () => {
    const provider = providerFor(emulator);
    try {
      await provider.set('batch/a', 'value-a');
      await provider.set('batch/b', 'value-b');
      const found = await provider.getMany(['batch/a', 'batch/missing', 'batch/b', 'batch/a']);
      expect([...found.keys()].sort()).toEqual(['batch/a', 'batch/b', 'batch/missing']);
      expect(found.get('batch/a')?.value).toBe('value-a');
      expect(found.get('batch/b')?.value).toBe('value-b');
      expect(found.get('batch/missing')).toBeNull();
    } finally {
      await provider.dispose();
    }
  });
});
