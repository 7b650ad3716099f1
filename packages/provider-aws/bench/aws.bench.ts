// Latency of the provider through the real SDK against the local emulator (loopback, no faults).
// Run: pnpm --filter @hush/provider-aws bench
import { startAwsSecretsManagerEmulator } from '@hush/emulators';
import { afterAll, bench, describe } from 'vitest';
import { AwsSecretsManagerProvider } from '../src/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const emulator = await startAwsSecretsManagerEmulator();
const connection = { endpoint: emulator.url, region: emulator.region, credentials: emulator.credentials };
const provider = new AwsSecretsManagerProvider(connection);
const lean = new AwsSecretsManagerProvider({ ...connection, readTags: false });
const describing = new AwsSecretsManagerProvider({ ...connection, readTags: true, metadataTtl: 0 });
const keys = Array.from({ length: 45 }, (_, i) => `bench/k${i}`);
for (const key of keys) await provider.set(key, `value-${key}`);
let counter = 0;

afterAll(async () => {
  await provider.dispose();
  await lean.dispose();
  await describing.dispose();
  await emulator.stop();
});

describe('single operations', () => {
  bench('get (one GetSecretValue, tags from what the provider knows)', async () => {
    await provider.get('bench/k0');
  });
  bench('get, readTags: true, metadataTtl: 0 (GetSecretValue + DescribeSecret)', async () => {
    await describing.get('bench/k0');
  });
  bench('get, readTags: false (GetSecretValue only)', async () => {
    await lean.get('bench/k0');
  });
  bench('set (PutSecretValue + UntagResource)', async () => {
    await provider.set('bench/written', `v${counter++}`);
  });
});

describe('45 secrets', () => {
  bench('getMany (3 BatchGetSecretValue calls)', async () => {
    await provider.getMany(keys);
  });
  bench('45 parallel get, readTags: false', async () => {
    await Promise.all(keys.map((key) => lean.get(key)));
  });
});
