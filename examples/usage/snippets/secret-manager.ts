import { SecretManager } from '@hush/core';
import { AzureKeyVaultProvider } from '@hush/provider-azure';
import { EnvSecretProvider } from '@hush/provider-env';
import { LocalSecretProvider } from '@hush/provider-local';

const manager = new SecretManager({
  providers: [
    new AzureKeyVaultProvider({ vaultUrl: '...' }), // Priority 100
    new LocalSecretProvider({ storePath: '...' }),  // Priority 50
    new EnvSecretProvider({ prefix: '...' }),       // Priority 10
  ],
  defaultWriteProvider: 'local',
  enableAuditLog: true,
});

await manager.initialize();
