import { describe, expect, it } from 'vitest';
import { startPod } from './helpers.js';

// A pod: no kubeconfig anywhere, KUBERNETES_SERVICE_HOST/PORT set, the service account mounted.
describe('in-cluster configuration', () => {
  it("connects with the pod's service account: its token, its CA and its namespace", async () => {
    const { k8s, provider } = await startPod();
    try {
      expect(provider.namespace).toBe('shop');
      await provider.set('db/password', 'in-the-pod');
      expect((await provider.get('db/password'))?.value).toBe('in-the-pod');
      expect(k8s.getSecret('shop', 'db')).toBeTruthy();
    } finally {
      await k8s.stop();
    }
  });
});
