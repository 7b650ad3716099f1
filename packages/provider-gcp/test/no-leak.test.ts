import { findSecretValue } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { providerFor, startEmulator } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

async function leaksOf(write: () => Promise<unknown>): Promise<string[]> {
  const error = await write().then(
    () => expect.fail('the write should have failed'),
    (e: unknown) => e,
  );
  return findSecretValue(error, VALUE);
}

describe('no GCP error carries a secret value', () => {
  it('on a bad token, a 5xx, throttling and an outage', async () => {
    const emulator = await startEmulator();
    const provider = providerFor(emulator, { timeout: 3_000 });
    try {
      expect(await leaksOf(() => providerFor(emulator, { token: 'wrong' }).set('denied', VALUE))).toEqual([]);
      emulator.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE))).toEqual([]);
      emulator.faults.set({ errorRate: 0, throttleRate: 1 });
      expect(await leaksOf(() => provider.set('throttled', VALUE))).toEqual([]);
      emulator.faults.set({ throttleRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE))).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});
