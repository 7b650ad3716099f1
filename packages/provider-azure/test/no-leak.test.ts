import { startAzureKeyVaultEmulator } from '@hush/emulators';
import { findSecretValue } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { emulatorProvider, FixedTokenCredential } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

/** Runs a failing write and returns where its error (cause chain included) holds the value. */
async function leaksOf(write: () => Promise<unknown>): Promise<string[]> {
  const error = await write().then(
    () => expect.fail('the write should have failed'),
    (e: unknown) => e,
  );
  return findSecretValue(error, VALUE);
}

describe('no Azure error carries a secret value', () => {
  // The SDK's RestError holds the request, whose body is the value being written.
  it('on a soft-deleted name, a 5xx, an outage and a missing permission', async () => {
    const kv = await startAzureKeyVaultEmulator();
    const provider = emulatorProvider(kv, { maxRetries: 1 });
    try {
      await provider.set('reused', 'first');
      await provider.delete('reused');
      expect(await leaksOf(() => provider.set('reused', VALUE))).toEqual([]);

      kv.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE))).toEqual([]);
      kv.faults.set({ errorRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE))).toEqual([]);
      kv.faults.clear();

      const readOnly = emulatorProvider(kv, { credential: new FixedTokenCredential(kv.issueToken(['get'])) });
      expect(await leaksOf(() => readOnly.set('denied', VALUE))).toEqual([]);
    } finally {
      await kv.stop();
    }
  });
});
