import type { RunningService, ServiceStartOptions } from '../service-types.js';
import { startVaultEmulator } from './server.js';

/** `hush-emulators vault`: the root token comes from VAULT_DEV_ROOT_TOKEN_ID, as with `vault server -dev`. */
export async function runVaultService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startVaultEmulator({
    port: options.port,
    host: options.host,
    snapshotFile: options.snapshotFile,
    faults: options.faults,
    rootToken: process.env.VAULT_DEV_ROOT_TOKEN_ID || undefined,
  });
  return {
    url: emulator.url,
    stop: () => emulator.stop(),
    describe: () => ({
      VAULT_ADDR: emulator.url,
      VAULT_TOKEN: emulator.rootToken,
      'KV v2 mount': emulator.kvMounts.join(', '),
    }),
  };
}
