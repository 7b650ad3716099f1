import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../service-types.js';
import { startGcpSecretManagerEmulator } from './server.js';

/** The `hush-emulators gcp` entry: writes the CA to a file so that a client in another process can trust it. */
export async function runGcpSecretManagerService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startGcpSecretManagerEmulator(options);
  const details: Record<string, string> = {
    apiEndpoint: emulator.apiEndpoint,
    port: String(emulator.port),
    token: emulator.token,
  };
  let dir: string | undefined;
  if (emulator.ca) {
    dir = mkdtempSync(join(tmpdir(), 'hush-gcp-'));
    details.caFile = join(dir, 'ca.pem');
    writeFileSync(details.caFile, emulator.ca);
  }
  return {
    url: emulator.url,
    stop: async () => {
      await emulator.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    describe: () => details,
  };
}
