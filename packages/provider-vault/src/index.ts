import { defineProviderPlugin } from '@hush/core';
import { VaultProvider, type VaultProviderOptions } from './provider.js';

export type { VaultAuthOptions } from './auth.js';
export { DEFAULT_KUBERNETES_JWT_FILE } from './auth.js';
export type { VaultProviderOptions } from './provider.js';
export { VAULT_CAPABILITIES, VaultProvider } from './provider.js';

/** `kind: vault` in hush configuration. */
export default defineProviderPlugin<VaultProviderOptions>({
  kind: 'vault',
  create(options, context) {
    return new VaultProvider({
      ...options,
      name: options?.name ?? context.name,
      env: options?.env ?? context.env,
      root: options?.root ?? context.root,
    });
  },
});
