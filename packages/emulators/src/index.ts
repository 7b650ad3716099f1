export { FaultInjector } from './faults.js';
export type { FaultOptions, FaultDecision } from './faults.js';
// Each service adds its export below (one line each).
export { startGcpSecretManagerEmulator, type GcpSecretManagerEmulator, type GcpSecretManagerEmulatorOptions, type GcpSecretManagerMethod } from './gcp/server.js';
export { startAwsSecretsManagerEmulator, DEFAULT_AWS_CREDENTIALS, type AwsSecretsManagerEmulator, type AwsSecretsManagerEmulatorOptions, type AwsEmulatorCredentials } from './aws/server.js';
export { startAzureKeyVaultEmulator, type AzureKeyVaultEmulator, type AzureKeyVaultEmulatorOptions, type AzureRequestCounters, type AzureSecretPermission, type AzureServicePrincipal, type AzureStaticToken } from './azure/index.js';
export { startVaultEmulator, type VaultEmulator, type VaultEmulatorOptions, type VaultAppRoleConfig, type VaultKubernetesRoleConfig, type VaultServiceAccount, type VaultTokenInit, type VaultDuration } from './vault/server.js';
export { startKubernetesEmulator, type KubernetesEmulator, type KubernetesEmulatorOptions, type KubeConfigOptions, type KubernetesTokenGrant, type KubernetesSecretVerb, type KubernetesOperation } from './k8s/server.js';
