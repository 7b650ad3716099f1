import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import * as grpc from '@grpc/grpc-js';
import type { GcpSecretManagerEmulator } from '../../src/index.js';

/** The official client over TLS to the emulator, with a bearer token per call (none for `null`). */
export function clientFor(
  emulator: GcpSecretManagerEmulator,
  token: string | null = emulator.token,
): SecretManagerServiceClient {
  const tls = grpc.credentials.createSsl(Buffer.from(emulator.ca!));
  const sslCreds =
    token === null
      ? tls
      : grpc.credentials.combineChannelCredentials(
          tls,
          grpc.credentials.createFromMetadataGenerator((_params, callback) => {
            const metadata = new grpc.Metadata();
            metadata.set('authorization', `Bearer ${token}`);
            callback(null, metadata);
          }),
        );
  return new SecretManagerServiceClient({
    apiEndpoint: emulator.apiEndpoint,
    port: emulator.port,
    sslCreds,
    universeDomain: 'googleapis.com',
    'grpc.ssl_target_name_override': 'localhost',
  } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
}

export async function grpcError(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; details: string };
  }
  throw new Error('expected the call to fail');
}
