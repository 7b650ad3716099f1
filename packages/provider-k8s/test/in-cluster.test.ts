import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubernetesEmulator } from '@hush/emulators';
import { describe, expect, it } from 'vitest';
import { KubernetesProvider } from '../src/index.js';

// A pod: no kubeconfig anywhere, KUBERNETES_SERVICE_HOST/PORT set, the service account mounted.
describe('in-cluster configuration', () => {
  it("connects with the pod's service account: its token, its CA and its namespace", async () => {
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
    try {
      const provider = new KubernetesProvider({
        serviceAccountDir,
        env: {
          HOME: join(root, 'home'), // no ~/.kube/config there
          KUBERNETES_SERVICE_HOST: '127.0.0.1',
          KUBERNETES_SERVICE_PORT: new URL(k8s.url).port,
        },
      });
      expect(provider.namespace).toBe('shop');
      await provider.set('db/password', 'in-the-pod');
      expect((await provider.get('db/password'))?.value).toBe('in-the-pod');
      expect(k8s.getSecret('shop', 'db')).toBeTruthy();
    } finally {
      await k8s.stop();
    }
  });
});
