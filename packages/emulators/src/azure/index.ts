export type {
  SecretPermission as AzureSecretPermission,
  ServicePrincipal as AzureServicePrincipal,
  StaticToken as AzureStaticToken,
} from './auth.js';
export type { AzureKeyVaultEmulator, AzureKeyVaultEmulatorOptions, AzureRequestCounters } from './server.js';
export { startAzureKeyVaultEmulator } from './server.js';
