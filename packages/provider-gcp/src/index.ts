import { defineProviderPlugin } from '@hush/core';
import { type GcpProviderOptions, GcpSecretManagerProvider } from './provider.js';

export type { NameMapping } from './mapping.js';
export { fromSecretId, toSecretId } from './mapping.js';
/** `GcpSecretManagerProviderOptions` matches the other providers' naming (`<Provider>Options`). */
export type {
  GcpProviderOptions,
  GcpProviderOptions as GcpSecretManagerProviderOptions,
} from './provider.js';
export { GcpSecretManagerProvider } from './provider.js';

/** `kind: gcp`: GCP Secret Manager. The project comes from options or GOOGLE_CLOUD_PROJECT. */
export default defineProviderPlugin<GcpProviderOptions>({
  kind: 'gcp',
  create(options, context) {
    return new GcpSecretManagerProvider({ ...options, name: options?.name ?? context.name }, context.env);
  },
});
