import type { VaultEmulator } from '@hush/emulators';
import { describeWriteLeakChecks } from '@hush/testkit';
import { afterAll, beforeAll } from 'vitest';
import { emulator, rootProvider } from './helpers.js';

// The write path's no-leak checks, through the provider and a manager, for each fault the
// Vault emulator injects.
let vault: VaultEmulator;
beforeAll(async () => {
  vault = await emulator();
});
afterAll(async () => {
  await vault?.stop();
});

describeWriteLeakChecks('Vault', {
  provider: () => rootProvider(vault, { retries: 1 }),
  faults: {
    'a 5xx': { apply: () => vault.faults.set({ errorRate: 1 }), clear: () => vault.faults.clear() },
    throttling: { apply: () => vault.faults.set({ throttleRate: 1 }), clear: () => vault.faults.clear() },
    'an outage': { apply: () => vault.faults.set({ outage: true }), clear: () => vault.faults.clear() },
    'an error that echoes the request body': {
      apply: () => vault.faults.set({ echoRate: 1 }),
      clear: () => vault.faults.clear(),
      echoes: true,
      served: () => vault.faults.injected.echo,
    },
  },
});
