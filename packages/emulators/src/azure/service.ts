import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../service-types.js';
import { startAzureKeyVaultEmulator } from './server.js';

/** The `hush-emulators azure` entry: writes the CA to a file so that a client in another process can trust it. */
export async function runAzureKeyVaultService(options: ServiceStartOptions): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-azure-'));
  const emulator = await startAzureKeyVaultEmulator({ ...options, caFile: join(dir, 'ca.pem') });
  return {
    url: emulator.url,
    stop: async () => {
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    describe: () => emulator.describe(),
  };
}
