import { ProviderUnavailableError, SecretManager } from '@hush/core';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { MemoryProvider } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorProvider } from './helpers.js';

describe('failover from Azure Key Vault under an injected outage', () => {
  let kv: AzureKeyVaultEmulator;
  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator();
  });
  afterAll(async () => kv?.stop());

  it('reads from the next provider while the vault drops every connection, and back once it returns', async () => {
    const azure = emulatorProvider(kv, { name: 'azure', maxRetries: 1 });
    const backup = new MemoryProvider({ name: 'backup', secrets: { 'db/password': 'from-backup' } });
    await azure.set('db/password', 'from-azure');
    const manager = new SecretManager({ providers: [azure, backup], cache: { enabled: false } });
    await manager.initialize();

    expect((await manager.getSecret('db/password'))?.provider).toBe('azure');

    kv.faults.set({ outage: true });
    const during = await manager.getSecret('db/password');
    expect(during?.value).toBe('from-backup');
    expect(during?.provider).toBe('backup');
    const metrics = await manager.getMetrics();
    expect(metrics.providers.azure?.failovers).toBeGreaterThan(0);
    expect(metrics.providers.azure?.counters.retries).toBeGreaterThan(0);

    // A name the backup does not hold cannot be read: the error names the vault's failure.
    const error = await manager.getSecret('only/azure').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).failures.map((f) => f.provider)).toContain('azure');

    kv.faults.clear();
    expect((await manager.getSecret('db/password'))?.provider).toBe('azure');
    await manager.dispose();
  });
});
