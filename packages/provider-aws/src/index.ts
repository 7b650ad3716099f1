import { defineProviderPlugin } from '@hush/core';
import { AwsSecretsManagerProvider, type AwsSecretsManagerProviderOptions } from './provider.js';

export type { AwsConnectionOptions, AwsCredentialsOption } from './auth.js';
export { BINARY_METADATA_KEY, EXPIRES_TAG, METADATA_TAG_PREFIX, SCOPE_TAG } from './mapping.js';
export type { AwsBatchResult, AwsDeleteOptions, AwsSecretsManagerProviderOptions } from './provider.js';
export { AwsSecretsManagerProvider } from './provider.js';

/** `kind: aws` in hush configuration. */
export default defineProviderPlugin<AwsSecretsManagerProviderOptions>({
  kind: 'aws',
  create(options, context) {
    return new AwsSecretsManagerProvider({ name: context.name, ...options }, context.env);
  },
});
