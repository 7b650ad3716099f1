import { runAwsSecretsManagerService } from './aws/service.js';
import { runAzureKeyVaultService } from './azure/service.js';
import { runGcpSecretManagerService } from './gcp/service.js';
import { runKubernetesService } from './k8s/service.js';
import type { RunningService, ServiceStartOptions } from './service-types.js';
import { runVaultService } from './vault/service.js';

export type { RunningService, ServiceStartOptions } from './service-types.js';

/** The emulators the `hush-emulators` command can start, by name. */
export const services: Record<string, (options: ServiceStartOptions) => Promise<RunningService>> = {
  vault: runVaultService,
  aws: runAwsSecretsManagerService,
  azure: runAzureKeyVaultService,
  gcp: runGcpSecretManagerService,
  k8s: runKubernetesService,
  kubernetes: runKubernetesService,
};
