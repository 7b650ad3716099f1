import { type ProviderContext, defineProviderPlugin } from '@hush/core';
import { type EnvProviderOptions, EnvSecretProvider } from './provider.js';

export { EnvSecretProvider, ENV_VERSION } from './provider.js';
export type { EnvProviderOptions } from './provider.js';
export { DEFAULT_PREFIX, loadMappingFile, toSecretName, toVariableName } from './mapping.js';

/** `kind: env`. Reads the context's environment; a relative `mappingFile` resolves from the application root. */
export default defineProviderPlugin<EnvProviderOptions>({
  kind: 'env',
  create(options: EnvProviderOptions, context: ProviderContext) {
    return new EnvSecretProvider({ root: context.root, env: context.env, ...options, name: options.name ?? context.name });
  },
});
