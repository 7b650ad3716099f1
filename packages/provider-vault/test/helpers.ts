import { startVaultEmulator, type VaultEmulator, type VaultEmulatorOptions } from '@hush/emulators';
import { VaultProvider, type VaultProviderOptions } from '../src/index.js';

/** A seeded PRNG (mulberry32) so that fault sequences repeat from run to run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const POLICIES: VaultEmulatorOptions['policies'] = {
  app: {
    'secret/data/app/*': ['create', 'read', 'update', 'delete', 'patch'],
    'secret/metadata/app/*': ['read', 'list', 'update', 'delete'],
    'secret/delete/app/*': ['update'],
  },
  readonly: {
    'secret/data/app/*': ['read'],
    'secret/metadata/app/*': ['read', 'list'],
  },
};

export async function emulator(options: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
  return startVaultEmulator({ policies: POLICIES, ...options });
}

/** A provider on the emulator's root token, fast retries for tests. */
export function rootProvider(vault: VaultEmulator, options: VaultProviderOptions = {}): VaultProvider {
  return new VaultProvider({
    address: vault.url,
    token: vault.rootToken,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    requestTimeout: 5_000,
    env: {},
    ...options,
  });
}

/** Polls until `check` holds (no timing assertion: only a generous upper bound). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
