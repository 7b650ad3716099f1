export * from './errors.js';
export { createSecret, isExpired } from './secret.js';
export type { Secret, SecretInfo, SecretInit, SecretVersion } from './secret.js';
export { READ_ONLY_CAPABILITIES, defineProviderPlugin } from './provider.js';
export type {
  ProviderCapabilities,
  ProviderContext,
  ProviderDeleteOptions,
  ProviderGetOptions,
  ProviderHealth,
  ProviderListOptions,
  ProviderPlugin,
  ProviderSetOptions,
  SecretProvider,
} from './provider.js';
export type * from './types.js';
export { validateSecretName, isValidSecretName, splitFieldReference, MAX_SECRET_NAME_LENGTH } from './names.js';
export { parseDuration, parseExpiry } from './duration.js';
export { generateRandom, generateSecretValue, parseGeneratorSpec, ALPHABETS } from './generators.js';
