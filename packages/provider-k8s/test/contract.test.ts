import { type KubernetesEmulator, startKubernetesEmulator } from '@hush/emulators';
import { describeProviderContract } from '@hush/testkit';
import { describe } from 'vitest';
import { KubernetesProvider } from '../src/index.js';
import { providerFor } from './helpers.js';

describeProviderContract('k8s (emulator, key mode)', async () => {
  const k8s: KubernetesEmulator = await startKubernetesEmulator();
  return { provider: providerFor(k8s, { pageSize: 50 }), cleanup: () => k8s.stop() };
});

const liveKubeconfig = process.env.HUSH_TEST_KUBECONFIG;
if (!liveKubeconfig)
  console.info(
    'k8s live contract skipped: set HUSH_TEST_KUBECONFIG (and optionally HUSH_TEST_K8S_NAMESPACE) to run it against a real cluster',
  );

describe.skipIf(!liveKubeconfig)('k8s against a real cluster (HUSH_TEST_KUBECONFIG)', () => {
  if (!liveKubeconfig) return;
  describeProviderContract('k8s (live cluster)', () => ({
    provider: new KubernetesProvider({
      name: 'k8s-live',
      kubeconfig: liveKubeconfig,
      ...(process.env.HUSH_TEST_K8S_NAMESPACE ? { namespace: process.env.HUSH_TEST_K8S_NAMESPACE } : {}),
    }),
  }));
});
