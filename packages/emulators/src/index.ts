export {
  type AwsEmulatorCredentials,
  type AwsSecretsManagerEmulator,
  type AwsSecretsManagerEmulatorOptions,
  DEFAULT_AWS_CREDENTIALS,
  startAwsSecretsManagerEmulator,
} from './aws/server.js';
export {
  type AzureKeyVaultEmulator,
  type AzureKeyVaultEmulatorOptions,
  type AzureRequestCounters,
  type AzureSecretPermission,
  type AzureServicePrincipal,
  type AzureStaticToken,
  startAzureKeyVaultEmulator,
} from './azure/index.js';
export type { FaultDecision, FaultOptions } from './faults.js';
export { FaultInjector } from './faults.js';
export {
  type GcpSecretManagerEmulator,
  type GcpSecretManagerEmulatorOptions,
  type GcpSecretManagerMethod,
  startGcpSecretManagerEmulator,
} from './gcp/server.js';
export {
  type KubeConfigOptions,
  type KubernetesEmulator,
  type KubernetesEmulatorOptions,
  type KubernetesOperation,
  type KubernetesSecretVerb,
  type KubernetesTokenGrant,
  startKubernetesEmulator,
} from './k8s/server.js';
export {
  startVaultEmulator,
  type VaultAppRoleConfig,
  type VaultDatabaseRoleConfig,
  type VaultDuration,
  type VaultEmulator,
  type VaultEmulatorOptions,
  type VaultKubernetesRoleConfig,
  type VaultServiceAccount,
  type VaultTokenInit,
} from './vault/server.js';
