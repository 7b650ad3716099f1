import { describeWriteLeakChecks, leaksOf } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFor, startEmulator } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

describe('no AWS error carries a secret value', () => {
  it('on a denial, a 5xx, throttling and an outage', async () => {
    const credentials = { accessKeyId: 'AKIANOLEAK0000000000', secretAccessKey: 'no-leak' };
    const emulator = await startEmulator({ credentials: [{ ...credentials, deniedSecrets: ['denied*'] }] });
    const provider = providerFor(emulator, { credentials, maxAttempts: 2 });
    try {
      expect(await leaksOf(() => provider.set('denied/x', VALUE), VALUE)).toEqual([]);
      emulator.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE), VALUE)).toEqual([]);
      emulator.faults.set({ errorRate: 0, throttleRate: 1 });
      expect(await leaksOf(() => provider.set('throttled', VALUE), VALUE)).toEqual([]);
      emulator.faults.set({ throttleRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE), VALUE)).toEqual([]);
    } finally {
      await provider.dispose();
      await emulator.stop();
    }
  });
});

// The write path through a manager too, for each fault the emulator injects.
let leakEmulator: Awaited<ReturnType<typeof startEmulator>>;
let leakProvider: ReturnType<typeof providerFor>;
const deniedKeys = { accessKeyId: 'AKIADENIEDLEAK000000', secretAccessKey: 'denied' };
beforeAll(async () => {
  leakEmulator = await startEmulator({
    credentials: [
      { accessKeyId: 'AKIALEAKCHECK0000000', secretAccessKey: 'leak' },
      { ...deniedKeys, deniedSecrets: ['leak-check*'] },
    ],
  });
  leakProvider = providerFor(leakEmulator, {
    credentials: { accessKeyId: 'AKIALEAKCHECK0000000', secretAccessKey: 'leak' },
    maxAttempts: 2,
  });
});
afterAll(async () => {
  await leakProvider?.dispose();
  await leakEmulator?.stop();
});
describeWriteLeakChecks('AWS', {
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
    'access denied': {
      apply: () => undefined,
      provider: () => providerFor(leakEmulator, { credentials: deniedKeys }),
    },
  },
});
