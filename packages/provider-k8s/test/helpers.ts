import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubernetesEmulator, startKubernetesEmulator } from '@hush/emulators';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesProvider, type KubernetesProviderOptions } from '../src/index.js';

/** A KubeConfig for the emulator, built the way a user would build one in code. */
export function kubeConfigFor(k8s: KubernetesEmulator, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions(k8s.kubeConfigOptions(token ? { token } : {}));
  return kc;
}

export function providerFor(
  k8s: KubernetesEmulator,
  options: KubernetesProviderOptions & { token?: string } = {},
): KubernetesProvider {
  const { token, ...rest } = options;
  return new KubernetesProvider({ kubeconfig: kubeConfigFor(k8s, token), namespace: 'default', ...rest });
}

/** Writes the emulator's kubeconfig to a temporary file and returns its path. */
export function kubeconfigFile(k8s: KubernetesEmulator, namespace?: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'hush-k8s-test-')), 'config');
  writeFileSync(file, k8s.kubeconfigYaml(namespace ? { namespace } : {}), { mode: 0o600 });
  return file;
}

/** A closed port on 127.0.0.1 for refused-connection tests. */
export const CLOSED_PORT = 59_999;

/**
 * A pod as the provider finds it: an HTTPS API server, namespace `shop`, the service account
 * (token `pod-token`, the CA, the namespace) mounted, no kubeconfig anywhere (an empty HOME) and
 * KUBERNETES_SERVICE_HOST/PORT set. Stop `k8s` when done.
 */
export async function startPod(): Promise<{ k8s: KubernetesEmulator; provider: KubernetesProvider }> {
  const k8s = await startKubernetesEmulator({
    https: true,
    namespaces: ['default', 'shop'],
    tokens: { 'pod-token': { user: 'system:serviceaccount:shop:app', namespaces: ['shop'] } },
  });
  const root = mkdtempSync(join(tmpdir(), 'hush-k8s-pod-'));
  const serviceAccountDir = join(root, 'serviceaccount');
  mkdirSync(serviceAccountDir);
  writeFileSync(join(serviceAccountDir, 'token'), 'pod-token');
  writeFileSync(join(serviceAccountDir, 'ca.crt'), k8s.ca!);
  writeFileSync(join(serviceAccountDir, 'namespace'), 'shop');
  const provider = new KubernetesProvider({
    serviceAccountDir,
    env: {
      HOME: join(root, 'home'), // no ~/.kube/config there
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(k8s.url).port,
    },
  });
  return { k8s, provider };
}
