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

describe('no AWS error carries a secret value', () => {
  it('on a denial, a 5xx, throttling and an outage', async () => {
    const credentials = { accessKeyId: 'AKIANOLEAK0000000000', secretAccessKey: 'no-leak' };
    const emulator = await startEmulator({ credentials: [{ ...credentials, deniedSecrets: ['denied*'] }] });
    const provider = providerFor(emulator, { credentials, maxAttempts: 2 });
    try {
      expect(await leaksOf(() => provider.set('denied/x', VALUE))).toEqual([]);
      emulator.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE))).toEqual([]);
      emulator.faults.set({ errorRate: 0, throttleRate: 1 });
      expect(await leaksOf(() => provider.set('throttled', VALUE))).toEqual([]);
      emulator.faults.set({ throttleRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE))).toEqual([]);
    } finally {
      await provider.dispose();
      await emulator.stop();
    }
  });
});
