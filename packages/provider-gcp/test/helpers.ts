import * as grpc from '@grpc/grpc-js';
import {
  type GcpSecretManagerEmulator,
  type GcpSecretManagerEmulatorOptions,
  startGcpSecretManagerEmulator,
} from '@hush/emulators';
import { type GcpProviderOptions, GcpSecretManagerProvider } from '../src/index.js';

export const PROJECT = 'hush-test';

/** TLS to the emulator's self-signed certificate plus a bearer token on every call, as gax needs for auth metadata. */
export function channelCredentials(
  emulator: GcpSecretManagerEmulator,
  token: string = emulator.token,
): grpc.ChannelCredentials {
  return grpc.credentials.combineChannelCredentials(
    grpc.credentials.createSsl(Buffer.from(emulator.ca!)),
    grpc.credentials.createFromMetadataGenerator((_params, callback) => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      callback(null, metadata);
    }),
  );
}

export function providerFor(
  emulator: GcpSecretManagerEmulator,
  options: GcpProviderOptions & { token?: string } = {},
): GcpSecretManagerProvider {
  const { token, ...rest } = options;
  return new GcpSecretManagerProvider({
    project: PROJECT,
    apiEndpoint: emulator.apiEndpoint,
    port: emulator.port,
    sslCreds: channelCredentials(emulator, token),
    // The certificate names localhost and 127.0.0.1; naming the host spares Node's warning about IP SNI.
    clientOptions: { 'grpc.ssl_target_name_override': 'localhost' } as GcpProviderOptions['clientOptions'],
    ...rest,
  });
}

export async function startEmulator(
  options: GcpSecretManagerEmulatorOptions = {},
): Promise<GcpSecretManagerEmulator> {
  return startGcpSecretManagerEmulator({ projects: [PROJECT], ...options });
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
