import { defineProviderPlugin, type ProviderContext } from '@hush/core';
import { AzureKeyVaultProvider, type AzureKeyVaultProviderOptions } from './provider.js';

export type { NameMapping } from './mapping.js';
export { decodeName, encodeName, MAX_KEY_VAULT_NAME_LENGTH, MAX_TAGS, MAX_VALUE_BYTES } from './mapping.js';
export type { AzureKeyVaultProviderOptions } from './provider.js';
export { AZURE_PROVIDER_ALIASES, AzureKeyVaultProvider } from './provider.js';

/** The plugin the kernel loads for `kind: azure`. */
export default defineProviderPlugin<AzureKeyVaultProviderOptions>({
  kind: 'azure',
  create(options: AzureKeyVaultProviderOptions, context: ProviderContext) {
    return new AzureKeyVaultProvider({
      ...options,
      name: options.name ?? context.name,
      env: options.env ?? context.env,
    });
  },
});
