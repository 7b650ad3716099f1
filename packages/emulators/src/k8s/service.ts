import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../service-types.js';
import { startKubernetesEmulator } from './server.js';

/**
 * The `hush-emulators k8s` entry: serves HTTPS (kubectl sends a bearer token over TLS only) and
 * writes a kubeconfig with the certificate in `certificate-authority-data`, for `KUBECONFIG`.
 */
export async function runKubernetesService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startKubernetesEmulator({ ...options, https: true });
  const dir = mkdtempSync(join(tmpdir(), 'hush-k8s-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, emulator.kubeconfigYaml({ namespace: 'default' }), { mode: 0o600 });
  return {
    url: emulator.url,
    stop: async () => {
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    describe: () => ({
      token: emulator.token,
      kubeconfig,
      namespaces: 'default',
      usage: `KUBECONFIG=${kubeconfig}`,
    }),
  };
}
