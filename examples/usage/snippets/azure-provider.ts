import { AzureKeyVaultProvider } from '@hush/provider-azure';

const provider = new AzureKeyVaultProvider({
  vaultUrl: 'https://my-vault.vault.azure.net',
  cacheTtlSeconds: 300, // 5 minute cache
  maxRetries: 3,
});

await provider.initialize();
