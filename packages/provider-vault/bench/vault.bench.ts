import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { VaultProvider } from '../src/index.js';

// Round trips through node-vault to the local emulator: the provider's own overhead plus HTTP on loopback.
let vault: VaultEmulator;
let provider: VaultProvider;
let counter = 0;

beforeAll(async () => {
  vault = await startVaultEmulator();
  provider = new VaultProvider({ address: vault.url, token: vault.rootToken, env: {} });
  await provider.initialize();
  await provider.set('bench/read', 'value');
  for (let i = 0; i < 200; i++) await provider.set(`bench/list/s${i}`, 'x');
});

afterAll(async () => {
  await provider.dispose();
  await vault.stop();
});

describe('vault provider against the emulator', () => {
  bench('get', async () => {
    await provider.get('bench/read');
  });
  bench('set (new version)', async () => {
    await provider.set('bench/write', `v${counter++}`);
  });
  bench(
    'list 200 secrets',
    async () => {
      await provider.list({ prefix: 'bench/list/' });
    },
    { iterations: 20 },
  );
});
