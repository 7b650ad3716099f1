import {
  type AwsSecretsManagerEmulator,
  type AwsSecretsManagerEmulatorOptions,
  startAwsSecretsManagerEmulator,
} from '@hush/emulators';
import { AwsSecretsManagerProvider, type AwsSecretsManagerProviderOptions } from '../src/index.js';

/** A provider pointed at an emulator through the real SDK over a real socket. */
export function providerFor(
  emulator: AwsSecretsManagerEmulator,
  options: AwsSecretsManagerProviderOptions = {},
): AwsSecretsManagerProvider {
  return new AwsSecretsManagerProvider({
    endpoint: emulator.url,
    region: emulator.region,
    credentials: { accessKeyId: emulator.accessKeyId, secretAccessKey: emulator.secretAccessKey },
    ...options,
  });
}

export async function startEmulator(
  options: AwsSecretsManagerEmulatorOptions = {},
): Promise<AwsSecretsManagerEmulator> {
  return startAwsSecretsManagerEmulator(options);
}
