// Contract

export type { CacheTierConfig } from './cache-config.js';
export type {
  CacheTier,
  CacheTierCallOptions,
  CacheTierContext,
  CacheTierEntry,
  CacheTierListing,
  CacheTierLock,
  CacheTierLockOptions,
  CacheTierPlugin,
  CacheTierRegistration,
  CacheTierReplaceOptions,
  CacheTierSetOptions,
} from './cache-tier.js';
export { defineCacheTierPlugin } from './cache-tier.js';
export type { HushConfig, LoadConfigOptions } from './config.js';
export {
  CONFIG_FILE_NAMES,
  findConfigFile,
  interpolateEnv,
  loadConfig,
  parseConfig,
  selectEnvironment,
} from './config.js';
export type * from './controls.js';
export { parseDuration, parseExpiry } from './duration.js';
export type { EnvironmentConfig, ProviderConfig } from './environment-config.js';
export * from './errors.js';
export type * from './events.js';
export type { FromConfigOptions, FromEnvOptions } from './factory.js';
export {
  createSecretManager,
  createSecretManagerFromConfig,
  createSecretManagerFromEnv,
  offlineFromEnv,
} from './factory.js';
export { ALPHABETS, generateRandom, generateSecretValue, parseGeneratorSpec } from './generators.js';
export { globToRegExp, matchesGlob } from './glob.js';
export type { Schedule } from './leases.js';
export { mergeListings } from './listing.js';
export { defaultMachineKeyFile } from './machine-key.js';
// The manager and what it is built from
export { SecretManager } from './manager.js';
export type {
  CacheOptions,
  LeaseOptions,
  PersistentCacheOptions,
  ProviderRegistration,
  SecretManagerOptions,
} from './manager-options.js';
export type { EncodedFormKind } from './mask-forms.js';
export { encodedForms, encodedFormsByKind, MIN_MASKED_LINE_LENGTH } from './mask-forms.js';
export type { ChunkMasker, MaskerOptions } from './masker.js';
export { DEFAULT_MAX_MASKED_VALUES, MASK, Masker, MIN_MASKED_LENGTH } from './masker.js';
export {
  isValidSecretName,
  MAX_SECRET_NAME_LENGTH,
  splitFieldReference,
  validateSecretName,
} from './names.js';
export type { Notice, NoticeEvent, NoticeHandler } from './notice.js';
export type { CommandSink, Delivery, NotifierOptions, WebhookSink } from './notify.js';
export { Notifier, SIGNATURE_HEADER, signBody } from './notify.js';
export type { NotificationSettings } from './notify-config.js';
export { NOTICE_EVENTS } from './notify-config.js';
export type {
  Permission,
  PermissionFilter,
  PermissionGrant,
  PermissionMatch,
  PermissionStore,
  Scope,
} from './permissions.js';
export type { PluginLoadOptions, ProviderSpec } from './plugin-loader.js';
export {
  createProviderFromSpec,
  loadProviderPlugin,
  providerPackageName,
  resolvePackageEntry,
} from './plugin-loader.js';
export { PREVIOUS_UNTIL_TAG, PREVIOUS_VERSION_TAG, splitPreviousReference } from './previous.js';
export type {
  ExternalSecretsBackend,
  LeaseDescription,
  LeaseListOptions,
  LeaseRenewOptions,
  ProviderCallOptions,
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
export { defineProviderPlugin, READ_ONLY_CAPABILITIES } from './provider.js';
export type { SecretReference } from './references.js';
export { extractField, hasReferences, parseReference, splitTemplate } from './references.js';
export type * from './reports.js';
export type {
  BatchLookup,
  LookupOutcome,
  ResolveReferencesOptions,
  SecretLookup,
} from './resolver.js';
// References, masking and helpers
export { resolveDocument, resolveReferences } from './resolver.js';
export type {
  ExpiryResult,
  RotationReport,
  RotationResult,
  RotationStatus,
  RotationTarget,
  SecretRotatorOptions,
  WatchOptions,
} from './rotation.js';
export { SecretRotator } from './rotation.js';
export type { RotationSettings, SchemaRule } from './rotation-config.js';
export type {
  NamedSecretInfo,
  Secret,
  SecretInfo,
  SecretInit,
  SecretLease,
  SecretVersion,
} from './secret.js';
export { createSecret, isExpired } from './secret.js';
// The provider toolkit: what every provider needs, for third-party providers too
export * from './toolkit/index.js';
export type {
  CheckedDocument,
  DeclaredSecrets,
  FieldName,
  HushSecrets,
  Resolved,
  SecretDeclaration,
  SecretName,
  SecretRef,
  SecretRules,
  SecretSchema,
  TypedSecrets,
} from './typed.js';
export { defineSecrets } from './typed.js';
export type * from './types.js';
export { validateSecretValue } from './values.js';
