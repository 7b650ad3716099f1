import { SecretManager } from '@hush/core';
import { startAzureKeyVaultEmulator } from '@hush/emulators';
import { describe, expect, it } from 'vitest';
import { emulatorProvider } from './helpers.js';

// The Azure provider's `cacheTtlSeconds` is honoured by hush's cache in the manager, not by the provider.
describe('cacheTtlSeconds', () => {
  it("sets how long the manager serves this provider's values from its cache", async () => {
    const kv = await startAzureKeyVaultEmulator();
    const cached = emulatorProvider(kv, { cacheTtlSeconds: 3600 });
    const uncached = emulatorProvider(kv, { name: 'azure-uncached', cacheTtlSeconds: 0 });
    const withCache = new SecretManager({ providers: [cached], cache: { enabled: true } });
    const withoutCache = new SecretManager({ providers: [uncached], cache: { enabled: true } });
    try {
      await cached.set('app/key', 'v1');
      const reads = () => kv.requests.operations.GetSecret ?? 0;

      const before = reads();
      for (let i = 0; i < 3; i++) expect((await withCache.getSecret('app/key'))?.value).toBe('v1');
      expect(reads() - before).toBe(1);

      const beforeUncached = reads();
      for (let i = 0; i < 3; i++) expect((await withoutCache.getSecret('app/key'))?.value).toBe('v1');
      expect(reads() - beforeUncached).toBe(3);
    } finally {
      await withCache.dispose();
      await withoutCache.dispose();
      await kv.stop();
    }
  });
});
