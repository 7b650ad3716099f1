import { startAzureKeyVaultEmulator } from '@hush/emulators';
import { describeWriteLeakChecks, leaksOf } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorProvider, FixedTokenCredential } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

describe('no Azure error carries a secret value', () => {
  // The SDK's RestError holds the request, whose body is the value being written.
  it('on a soft-deleted name, a 5xx, an outage and a missing permission', async () => {
    const kv = await startAzureKeyVaultEmulator();
    const provider = emulatorProvider(kv, { maxRetries: 1 });
    try {
      await provider.set('reused', 'first');
      await provider.delete('reused');
      expect(await leaksOf(() => provider.set('reused', VALUE), VALUE)).toEqual([]);

      kv.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE), VALUE)).toEqual([]);
      kv.faults.set({ errorRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE), VALUE)).toEqual([]);
      kv.faults.clear();

      const readOnly = emulatorProvider(kv, { credential: new FixedTokenCredential(kv.issueToken(['get'])) });
      expect(await leaksOf(() => readOnly.set('denied', VALUE), VALUE)).toEqual([]);
    } finally {
      await kv.stop();
    }
  });
});

// The write path through a manager too, for each fault the emulator injects.
let leakVault: Awaited<ReturnType<typeof startAzureKeyVaultEmulator>>;
beforeAll(async () => {
  leakVault = await startAzureKeyVaultEmulator();
});
afterAll(async () => {
  await leakVault?.stop();
});
describeWriteLeakChecks('Azure', {
  value: VALUE,
  provider: () => emulatorProvider(leakVault, { maxRetries: 1 }),
  faults: {
    'a 5xx': { apply: () => leakVault.faults.set({ errorRate: 1 }), clear: () => leakVault.faults.clear() },
    'an error that echoes the request body': {
      apply: () => leakVault.faults.set({ echoRate: 1 }),
      clear: () => leakVault.faults.clear(),
      echoes: true,
      served: () => leakVault.faults.injected.echo,
    },
    'an outage': {
      apply: () => leakVault.faults.set({ outage: true }),
      clear: () => leakVault.faults.clear(),
    },
    'a missing permission': {
      apply: () => undefined,
      provider: () =>
        emulatorProvider(leakVault, { credential: new FixedTokenCredential(leakVault.issueToken(['get'])) }),
    },
  },
});
