import type { RunningService, ServiceStartOptions } from '../service-types.js';
import { startAwsSecretsManagerEmulator } from './server.js';

/** `hush-emulators aws`: the emulator with its default key, printed for the user. */
export async function runAwsSecretsManagerService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startAwsSecretsManagerEmulator(options);
  return {
    url: emulator.url,
    stop: emulator.stop,
    describe: () => ({
      region: emulator.region,
      AWS_ACCESS_KEY_ID: emulator.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.secretAccessKey,
      endpoint: emulator.url,
    }),
  };
}
