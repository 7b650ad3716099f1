import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../services.js';
import { startAzureKeyVaultEmulator } from './server.js';

/** The `hush-emulators azure` entry: writes the CA to a file so that a client in another process can trust it. */
export async function runAzureKeyVaultService(options: ServiceStartOptions): Promise<RunningService> {
  const caFile = join(mkdtempSync(join(tmpdir(), 'hush-azure-')), 'ca.pem');
  const emulator = await startAzureKeyVaultEmulator({ ...options, caFile });
  return { url: emulator.url, stop: emulator.stop, describe: () => emulator.describe() };
}
