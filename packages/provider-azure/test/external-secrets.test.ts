import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorProvider } from './helpers.js';

describe('externalSecrets(): how External Secrets Operator reaches this vault', () => {
  let emulator: AzureKeyVaultEmulator;
  beforeAll(async () => {
    emulator = await startAzureKeyVaultEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('names the same vault (workload identity, no credential) and each name as Key Vault holds it', async () => {
    const provider = emulatorProvider(emulator);
    await provider.set('db/password', 'eso-azure-value');
    const backend = await provider.externalSecrets();
    expect(backend.provider).toEqual({
      azurekv: { vaultUrl: emulator.vaultUrl, authType: 'WorkloadIdentity' },
    });
    const { key } = backend.remoteRef('db/password');
    // ESO asks Key Vault for `key` itself: the SDK, with no hush mapping in between, finds the value there.
    expect((await provider.client.getSecret(key)).value).toBe('eso-azure-value');
    expect(JSON.stringify(backend.provider)).not.toContain(emulator.token);
  });
});
