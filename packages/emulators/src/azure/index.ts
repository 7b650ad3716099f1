export { startAzureKeyVaultEmulator } from './server.js';
export type { AzureKeyVaultEmulator, AzureKeyVaultEmulatorOptions, AzureRequestCounters } from './server.js';
export type { SecretPermission, ServicePrincipal, StaticToken } from './auth.js';
