import { startVaultEmulator } from '@hush/emulators';
import { describeProviderContract } from '@hush/testkit';
import { describe, it } from 'vitest';
import { VaultProvider } from '../src/index.js';

describeProviderContract('vault (emulator)', async () => {
  const vault = await startVaultEmulator();
  const provider = new VaultProvider({ address: vault.url, token: vault.rootToken, env: {} });
  return { provider, cleanup: () => vault.stop() };
});

const liveAddress = process.env.HUSH_TEST_VAULT_ADDR;
const liveToken = process.env.HUSH_TEST_VAULT_TOKEN;
const live = Boolean(liveAddress && liveToken);

describe.skipIf(live)('vault (live server)', () => {
  it('skipped: set HUSH_TEST_VAULT_ADDR and HUSH_TEST_VAULT_TOKEN (and optionally HUSH_TEST_VAULT_MOUNT) to run against a real server', () => {
    console.info(
      'vault live contract skipped: set HUSH_TEST_VAULT_ADDR and HUSH_TEST_VAULT_TOKEN to run it against a real server',
    );
  });
});

describe.skipIf(!live)('vault (live server)', () => {
  describeProviderContract('vault (live)', () => ({
    provider: new VaultProvider({
      address: liveAddress,
      token: liveToken,
      mount: process.env.HUSH_TEST_VAULT_MOUNT ?? 'secret',
      ...(process.env.HUSH_TEST_VAULT_NAMESPACE ? { namespace: process.env.HUSH_TEST_VAULT_NAMESPACE } : {}),
      env: {},
    }),
  }));
});
