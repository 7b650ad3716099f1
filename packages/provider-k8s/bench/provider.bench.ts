import { type KubernetesEmulator, startKubernetesEmulator } from '@hush/emulators';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { KubernetesProvider } from '../src/index.js';

let k8s: KubernetesEmulator;
let provider: KubernetesProvider;
let counter = 0;

beforeAll(async () => {
  k8s = await startKubernetesEmulator();
  const kc = new KubeConfig();
  kc.loadFromOptions(k8s.kubeConfigOptions());
  provider = new KubernetesProvider({ kubeconfig: kc, namespace: 'default' });
  await provider.set('bench/read', 'x'.repeat(256));
  for (let i = 0; i < 200; i++) await provider.set(`listed-${i}`, 'v');
});
afterAll(() => k8s?.stop());

describe('k8s provider against the local emulator (real client, loopback HTTP)', () => {
  bench('get one key', async () => {
    await provider.get('bench/read');
  });
  bench('set one key (read + replace)', async () => {
    await provider.set('bench/write', String(counter++));
  });
  bench('list 201 secrets (pages of 100)', async () => {
    await provider.list();
  });
});
