import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { describeProviderContract } from '@hush/testkit';
import { describe, it } from 'vitest';
import { AzureKeyVaultProvider } from '../src/index.js';
import { emulatorProvider } from './helpers.js';

// Key Vault stores values of up to 25k bytes.
const largeValueBytes = 24 * 1024;

describeProviderContract(
  'azure (emulator)',
  async () => {
    const emulator: AzureKeyVaultEmulator = await startAzureKeyVaultEmulator();
    return { provider: emulatorProvider(emulator), cleanup: () => emulator.stop() };
  },
  { largeValueBytes },
);

const liveVault = process.env.HUSH_TEST_AZURE_VAULT_URL;
if (liveVault) {
  // DefaultAzureCredential: AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, managed identity or `az login`.
  describeProviderContract(
    'azure (live vault)',
    () => ({ provider: new AzureKeyVaultProvider({ name: 'azure-live', vaultUrl: liveVault }) }),
    { largeValueBytes, listCount: 30, concurrentWrites: 10 },
  );
} else {
  describe.skipIf(!liveVault)('azure (live vault)', () => {
    it('skipped: set HUSH_TEST_AZURE_VAULT_URL (and Azure credentials) to run against a real vault', () => {});
  });
  console.info('azure live contract skipped: set HUSH_TEST_AZURE_VAULT_URL to run against a real server');
}
