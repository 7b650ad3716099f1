import { SecretManager } from '@hush/core';
import { startAzureKeyVaultEmulator } from '@hush/emulators';
import { afterAll, bench, describe } from 'vitest';
import { emulatorProvider } from '../test/helpers.js';

// Latency through the real SDK over HTTPS (keep-alive) to the local emulator: the provider's own
// overhead plus TLS and the SDK pipeline, not Azure's network.
const kv = await startAzureKeyVaultEmulator();
const provider = emulatorProvider(kv);
await provider.set('bench/read', 'value');
for (let i = 0; i < 60; i++) await provider.set(`bench/list/s${i}`, 'x');
const cached = new SecretManager({ providers: [provider], cache: { ttl: '5m' } });
await cached.initialize();
let n = 0;

afterAll(async () => {
  await cached.dispose();
  await kv.stop();
});

describe('azure provider against the emulator', () => {
  bench('get (latest)', async () => {
    await provider.get('bench/read');
  });
  bench('set (new version)', async () => {
    await provider.set(`bench/write/${n++ % 50}`, 'value');
  });
  bench('list (60+ secrets, 3+ pages)', async () => {
    await provider.list({ prefix: 'bench/list/' });
  });
  bench('manager get, cached', async () => {
    await cached.getSecret('bench/read');
  });
});
