// Contract
export type * from './types.js';
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
export * from './errors.js';

// The manager and what it is built from
export { SecretManager } from './manager.js';
export { createSecretManager, createSecretManagerFromConfig, createSecretManagerFromEnv } from './factory.js';
export type { FromConfigOptions, FromEnvOptions } from './factory.js';
export { loadConfig, parseConfig, selectEnvironment, findConfigFile, interpolateEnv, CONFIG_FILE_NAMES } from './config.js';
export type { EnvironmentConfig, HushConfig, LoadConfigOptions, ProviderConfig } from './config.js';
export { loadProviderPlugin, createProviderFromSpec, providerPackageName } from './plugin-loader.js';
export type { PluginLoadOptions, ProviderSpec } from './plugin-loader.js';

// References, masking and helpers
export { resolveReferences } from './resolver.js';
export type { SecretLookup } from './resolver.js';
export { parseReference, splitTemplate, hasReferences, extractField } from './references.js';
export type { SecretReference } from './references.js';
export { Masker, MASK, MIN_MASKED_LENGTH } from './masker.js';
export { validateSecretName, isValidSecretName, splitFieldReference, MAX_SECRET_NAME_LENGTH } from './names.js';
export { parseDuration, parseExpiry } from './duration.js';
export { generateRandom, generateSecretValue, parseGeneratorSpec, ALPHABETS } from './generators.js';
export { globToRegExp, matchesGlob } from './glob.js';
