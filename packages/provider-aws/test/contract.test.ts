import type { AwsSecretsManagerEmulator } from '@hush/emulators';
import { describeProviderContract } from '@hush/testkit';
import { describe } from 'vitest';
import { AwsSecretsManagerProvider } from '../src/index.js';
import { providerFor, startEmulator } from './helpers.js';

// Against the emulator, through the real SDK over a real socket.
describeProviderContract('aws (emulator)', async () => {
  const emulator: AwsSecretsManagerEmulator = await startEmulator();
  return { provider: providerFor(emulator), cleanup: () => emulator.stop() };
});

// Against a real endpoint (AWS, LocalStack) when one is configured.
const endpoint = process.env.HUSH_TEST_AWS_ENDPOINT;
if (!endpoint)
  console.log(
    'skipped: set HUSH_TEST_AWS_ENDPOINT (and HUSH_TEST_AWS_REGION, HUSH_TEST_AWS_ACCESS_KEY_ID, HUSH_TEST_AWS_SECRET_ACCESS_KEY) to run the AWS contract against a real server',
  );
describe.skipIf(!endpoint)('live AWS Secrets Manager', () => {
  describeProviderContract(`aws (live ${endpoint})`, () => {
    const accessKeyId = process.env.HUSH_TEST_AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.HUSH_TEST_AWS_SECRET_ACCESS_KEY;
    return {
      provider: new AwsSecretsManagerProvider({
        endpoint,
        region: process.env.HUSH_TEST_AWS_REGION ?? 'us-east-1',
        ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
        maxAttempts: 5,
      }),
    };
  });
});
