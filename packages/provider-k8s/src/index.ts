import { defineProviderPlugin, type ProviderContext } from '@hush/core';
import { KubernetesProvider, type KubernetesProviderOptions } from './provider.js';

export { type MappingMode, secretNameFor } from './mapping.js';
export { KubernetesProvider, type KubernetesProviderOptions } from './provider.js';

/** `kind: k8s` in hush configuration. */
export default defineProviderPlugin<KubernetesProviderOptions>({
  kind: 'k8s',
  create(options: KubernetesProviderOptions, context: ProviderContext) {
    return new KubernetesProvider({ root: context.root, env: context.env, name: context.name, ...options });
  },
});
