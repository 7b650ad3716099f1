import { describeProviderContract } from '@hush/testkit';
import { providerFor, startEmulator } from './helpers.js';

describeProviderContract('gcp (emulator, real SDK over gRPC/TLS)', async () => {
  const emulator = await startEmulator();
  return { provider: providerFor(emulator), cleanup: () => emulator.stop() };
});
