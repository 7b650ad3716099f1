import { afterAll, bench, describe } from 'vitest';
import { PROJECT, providerFor, startEmulator } from '../test/helpers.js';

// Latency through the real client over gRPC/TLS to the local emulator: the provider's own overhead
// plus the loopback round trips, not the cloud service's.
const emulator = await startEmulator();
const provider = providerFor(emulator);
for (let i = 0; i < 100; i++) await provider.set(`bench/listed-${i}`, `value-${i}`);
await provider.set('bench/read', 'x'.repeat(256));
let counter = 0;

afterAll(async () => {
  await provider.dispose();
  await emulator.stop();
});

describe(`gcp provider against the emulator (project ${PROJECT})`, () => {
  bench('get latest (access + metadata calls in parallel)', async () => {
    await provider.get('bench/read');
  });
  bench('get an older version', async () => {
    await provider.get('bench/listed-1', { version: '1' });
  });
  bench('set (new version of an existing secret)', async () => {
    await provider.set('bench/written', `v${counter++}`);
  });
  bench('list 100 secrets by prefix', async () => {
    await provider.list({ prefix: 'bench/listed-' });
  });
});
