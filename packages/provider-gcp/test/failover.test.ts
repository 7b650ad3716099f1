import { ProviderUnavailableError, SecretManager } from '@hush/core';
import type { GcpSecretManagerEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcpSecretManagerProvider } from '../src/index.js';
import { providerFor, rejection, startEmulator } from './helpers.js';

const PRIMARY_VALUE = 'primary-value-51c0';
const BACKUP_VALUE = 'backup-value-e27d';

describe('failover from GCP under an injected outage (two emulators, real SDK)', () => {
  let primaryServer: GcpSecretManagerEmulator;
  let backupServer: GcpSecretManagerEmulator;
  let primary: GcpSecretManagerProvider;
  let backup: GcpSecretManagerProvider;
  let manager: SecretManager;

  beforeAll(async () => {
    [primaryServer, backupServer] = await Promise.all([startEmulator(), startEmulator()]);
    primary = providerFor(primaryServer, { name: 'gcp-primary', timeout: 2000 });
    backup = providerFor(backupServer, { name: 'gcp-backup', timeout: 2000 });
    await primary.set('payments/api-key', PRIMARY_VALUE);
    await backup.set('payments/api-key', BACKUP_VALUE);
    manager = new SecretManager({ providers: [primary, backup], cache: { enabled: false } });
  });
  afterAll(async () => {
    await manager.dispose();
    await Promise.all([primaryServer.stop(), backupServer.stop()]);
  });

  it('reads from the primary while it is up', async () => {
    expect((await manager.getSecret('payments/api-key'))?.value).toBe(PRIMARY_VALUE);
  });

  it('fails over when the primary answers UNAVAILABLE', async () => {
    primaryServer.faults.set({ outage: true });
    try {
      const secret = await manager.getSecret('payments/api-key');
      expect(secret?.value).toBe(BACKUP_VALUE);
      expect(secret?.provider).toBe('gcp-backup');
    } finally {
      primaryServer.faults.clear();
    }
    const metrics = await manager.getMetrics();
    expect(metrics.providers['gcp-primary']?.failovers).toBeGreaterThanOrEqual(1);
    expect((await manager.getSecret('payments/api-key'))?.value).toBe(PRIMARY_VALUE);
  });

  it('fails over when the primary stops listening, and names every cause when all are down', async () => {
    await primaryServer.suspend();
    try {
      expect((await manager.getSecret('payments/api-key'))?.value).toBe(BACKUP_VALUE);
      backupServer.faults.set({ errorRate: 1 });
      const error = await rejection(manager.getSecret('payments/api-key'));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toContain('gcp-primary');
      expect(error.message).toContain('gcp-backup');
      expect(error.message).not.toContain(PRIMARY_VALUE);
      expect(error.message).not.toContain(BACKUP_VALUE);
    } finally {
      backupServer.faults.clear();
      await primaryServer.resume();
    }
    // The client reconnects after its backoff; until then reads keep failing over.
    await expect
      .poll(async () => (await manager.getSecret('payments/api-key'))?.value, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(PRIMARY_VALUE);
  });
});
