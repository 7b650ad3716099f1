export type { PermissionChange, PermissionChangeSink } from './changes.js';
export type { AccessControlConfig } from './config.js';
export { accessControlFromConfig, DEFAULT_POLICY_FILE } from './config.js';
export { SecretAccessControl } from './control.js';
export type {
  AccessControlCounters,
  GrantOptions,
  ImportPermissionsOptions,
  ListPermissionsOptions,
  RevokeOptions,
  SecretAccessControlOptions,
} from './options.js';
export type { AccessControlPluginOptions } from './plugin.js';
export { accessControlPlugin, OPERATION_PERMISSIONS } from './plugin.js';
export { formatPolicy, parsePolicy, parsePolicyDocument } from './policy.js';
export type { FilePermissionStoreOptions } from './stores/file.js';
export { FilePermissionStore } from './stores/file.js';
export { MemoryPermissionStore } from './stores/memory.js';
export type {
  Permission,
  PermissionFilter,
  PermissionGrant,
  PermissionMatch,
  PermissionPolicy,
  PermissionStore,
  PolicyDocument,
  PolicyGrant,
  Scope,
} from './types.js';
export { PERMISSIONS, SCOPES } from './types.js';
