import { describeWriteLeakChecks, leaksOf } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFor, startEmulator } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

describe('no GCP error carries a secret value', () => {
  it('on a bad token, a 5xx, throttling and an outage', async () => {
    const emulator = await startEmulator();
    const provider = providerFor(emulator, { timeout: 3_000 });
    try {
      expect(
        await leaksOf(() => providerFor(emulator, { token: 'wrong' }).set('denied', VALUE), VALUE),
      ).toEqual([]);
      emulator.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE), VALUE)).toEqual([]);
      emulator.faults.set({ errorRate: 0, throttleRate: 1 });
      expect(await leaksOf(() => provider.set('throttled', VALUE), VALUE)).toEqual([]);
      emulator.faults.set({ throttleRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE), VALUE)).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});

// The write path through a manager too, for each fault the emulator injects.
let leakEmulator: Awaited<ReturnType<typeof startEmulator>>;
let leakProvider: ReturnType<typeof providerFor>;
beforeAll(async () => {
  leakEmulator = await startEmulator();
  leakProvider = providerFor(leakEmulator, { timeout: 3_000 });
});
afterAll(async () => {
  await leakEmulator?.stop();
});
describeWriteLeakChecks('GCP', {
  value: VALUE,
  provider: () => leakProvider,
  faults: {
    'a 5xx': {
      apply: () => leakEmulator.faults.set({ errorRate: 1 }),
      clear: () => leakEmulator.faults.clear(),
    },
    throttling: {
      apply: () => leakEmulator.faults.set({ throttleRate: 1 }),
      clear: () => leakEmulator.faults.clear(),
    },
    'an error that echoes the request body': {
      apply: () => leakEmulator.faults.set({ echoRate: 1 }),
      clear: () => leakEmulator.faults.clear(),
      echoes: true,
      served: () => leakEmulator.faults.injected.echo,
    },
    'an outage': {
      apply: () => leakEmulator.faults.set({ outage: true }),
      clear: () => leakEmulator.faults.clear(),
    },
    'a bad token': { apply: () => undefined, provider: () => providerFor(leakEmulator, { token: 'wrong' }) },
  },
});
