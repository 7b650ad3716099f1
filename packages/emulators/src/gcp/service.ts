import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../services.js';
import { startGcpSecretManagerEmulator } from './server.js';

/** The `hush-emulators gcp` entry: writes the CA to a file so that a client in another process can trust it. */
export async function runGcpSecretManagerService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startGcpSecretManagerEmulator(options);
  const details: Record<string, string> = {
    apiEndpoint: emulator.apiEndpoint,
    port: String(emulator.port),
    token: emulator.token,
  };
  if (emulator.ca) {
    const caFile = join(mkdtempSync(join(tmpdir(), 'hush-gcp-')), 'ca.pem');
    writeFileSync(caFile, emulator.ca);
    details.caFile = caFile;
  }
  return { url: emulator.url, stop: emulator.stop, describe: () => details };
}
