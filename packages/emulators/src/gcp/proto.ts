import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

// Works from the ESM and the CJS build alike (esbuild empties import.meta in CJS output).
const requireHere = createRequire((import.meta as { url?: string }).url ?? __filename);

let cached: ServiceDefinition | undefined;

/**
 * The SecretManagerService definition from the protos that ship with @google-cloud/secret-manager,
 * so that the emulator speaks exactly the wire format the SDK was generated from.
 */
export function secretManagerService(): ServiceDefinition {
  if (cached) return cached;
  const sdkDir = dirname(requireHere.resolve('@google-cloud/secret-manager/package.json'));
  // google-gax does not export its package.json; resolve its entry point from the SDK and cut at /build/.
  const gaxEntry = requireHere.resolve('google-gax', { paths: [sdkDir] });
  const gaxDir = gaxEntry.slice(0, gaxEntry.lastIndexOf(`${sep}build${sep}`));
  const definition = loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [join(sdkDir, 'build', 'protos'), join(gaxDir, 'build', 'protos')],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = loadPackageDefinition(definition) as any;
  cached = loaded.google.cloud.secretmanager.v1.SecretManagerService.service as ServiceDefinition;
  return cached;
}
