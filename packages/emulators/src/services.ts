import { runAwsSecretsManagerService } from './aws/service.js';
import { runAzureKeyVaultService } from './azure/service.js';
import type { FaultOptions } from './faults.js';
import { runGcpSecretManagerService } from './gcp/service.js';
import { runKubernetesService } from './k8s/service.js';
import { runVaultService } from './vault/service.js';

/** The emulators the `hush-emulators` command can start, by name. */
export interface ServiceStartOptions {
  port?: number;
  host?: string;
  snapshotFile?: string;
  faults?: FaultOptions;
}

export interface RunningService {
  url: string;
  stop(): Promise<void>;
  /** Connection details to print for a user (credentials, CA file, ...). */
  describe(): Record<string, string>;
}

export const services: Record<string, (options: ServiceStartOptions) => Promise<RunningService>> = {
  vault: runVaultService,
  aws: runAwsSecretsManagerService,
  azure: runAzureKeyVaultService,
  gcp: runGcpSecretManagerService,
  k8s: runKubernetesService,
  kubernetes: runKubernetesService,
};
