import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceStartOptions } from '../services.js';
import { startKubernetesEmulator } from './server.js';

/** The `hush-emulators k8s` entry: writes a kubeconfig file a client in another process can use. */
export async function runKubernetesService(options: ServiceStartOptions): Promise<RunningService> {
  const emulator = await startKubernetesEmulator(options);
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
