import { defineProviderPlugin, type ProviderContext } from '@hush/core';
import { type EnvProviderOptions, EnvSecretProvider } from './provider.js';

export { DEFAULT_PREFIX, loadMappingFile, toSecretName, toVariableName } from './mapping.js';
export type { EnvProviderOptions } from './provider.js';
export { ENV_VERSION, EnvSecretProvider } from './provider.js';

/** `kind: env`. Reads the context's environment; a relative `mappingFile` resolves from the application root. */
export default defineProviderPlugin<EnvProviderOptions>({
  kind: 'env',
  create(options: EnvProviderOptions, context: ProviderContext) {
    return new EnvSecretProvider({
      root: context.root,
      env: context.env,
      ...options,
      name: options.name ?? context.name,
    });
  },
});
