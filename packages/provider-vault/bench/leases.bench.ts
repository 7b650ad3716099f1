import { SecretManager } from '@hush/core';
import { startVaultEmulator, type VaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { VaultProvider } from '../src/index.js';

// A lease renewal beside the reads it stands next to: a KV read (the peer), a new dynamic
// credential, and a held credential served from the manager while its lease lasts.
let vault: VaultEmulator;
let provider: VaultProvider;
let manager: SecretManager;
let lease: NonNullable<Awaited<ReturnType<VaultProvider['get']>>>['lease'];

beforeAll(async () => {
  vault = await startVaultEmulator({ database: { roles: { app: { defaultTtl: '1h', maxTtl: '768h' } } } });
  provider = new VaultProvider({
    address: vault.url,
    token: vault.rootToken,
    env: {},
    dynamic: ['database/creds/*'],
  });
  await provider.initialize();
  await provider.set('bench/kv', 'value');
  lease = (await provider.get('database/creds/app'))!.lease;
  manager = new SecretManager({ providers: [provider] });
  await manager.getSecret('database/creds/app');
});

afterAll(async () => {
  await manager.dispose();
  await vault.stop();
});

describe('leases against the emulator', () => {
  bench('KV read (peer)', async () => {
    await provider.get('bench/kv');
  });
  bench('renew a lease', async () => {
    await provider.renewLease(lease!, { incrementSeconds: 3600 });
  });
  bench(
    'new dynamic credential',
    async () => {
      await provider.get('database/creds/app');
    },
    { iterations: 200 },
  );
  bench('held credential from the manager', async () => {
    await manager.getSecret('database/creds/app#password');
  });
});
