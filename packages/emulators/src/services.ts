import { runAzureKeyVaultService } from './azure/service.js';
import { runAwsSecretsManagerService } from './aws/service.js';
import { runGcpSecretManagerService } from './gcp/service.js';
import { runVaultService } from './vault/service.js';
import { runKubernetesService } from './k8s/service.js';

/** The emulators the `hush-emulators` command can start, by name. */
export interface ServiceStartOptions {
  port?: number;
  host?: string;
  snapshotFile?: string;
}

export interface RunningService {
  url: string;
  stop(): Promise<void>;
  /** Connection details to print for a user (credentials, CA file, ...). */
  describe(): Record<string, string>;
}

export const services: Record<string, (options: ServiceStartOptions) => Promise<RunningService>> = {
  // Each service registers itself here (one entry each), e.g.
  // vault: async (o) => { const e = await startVaultEmulator(o); return { url: e.url, stop: e.stop, describe: () => ({ token: e.rootToken }) }; },
  gcp: runGcpSecretManagerService,
  aws: runAwsSecretsManagerService,
  azure: runAzureKeyVaultService,
  vault: runVaultService,
  k8s: runKubernetesService,
};
