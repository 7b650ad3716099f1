import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

/**
 * The credential the provider uses: the one given, or `DefaultAzureCredential`, which tries in turn
 * the environment's service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or a
 * certificate), workload identity, managed identity, then developer logins (Azure CLI, azd, PowerShell).
 */
export function resolveCredential(credential: TokenCredential | undefined): TokenCredential {
  return credential ?? new DefaultAzureCredential();
}

/**
 * The token scope of a vault: `https://vault.azure.net/.default` for the public cloud, the
 * vault's own DNS suffix for the others (`vault.azure.cn`, `vault.usgovcloudapi.net`, managed HSMs).
 */
export function vaultScope(url: string): string {
  const suffix = /^[^.]+\.((?:vault|managedhsm)\..+)$/i.exec(new URL(url).hostname)?.[1];
  return `https://${suffix ?? 'vault.azure.net'}/.default`;
}
