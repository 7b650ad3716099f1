import { defineProviderPlugin } from '@hush/core';
import { GcpSecretManagerProvider, type GcpProviderOptions } from './provider.js';

export { GcpSecretManagerProvider } from './provider.js';
export type { GcpProviderOptions } from './provider.js';
export { toSecretId, fromSecretId } from './mapping.js';
export type { NameMapping } from './mapping.js';

/** `kind: gcp`: GCP Secret Manager. The project comes from options or GOOGLE_CLOUD_PROJECT. */
export default defineProviderPlugin<GcpProviderOptions>({
  kind: 'gcp',
  create(options, context) {
    return new GcpSecretManagerProvider({ ...options, name: options?.name ?? context.name }, context.env);
  },
});
