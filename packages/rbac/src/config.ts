import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@hush/core';
import type { PermissionChangeSink } from './changes.js';
import { SecretAccessControl } from './control.js';
import { isPermission } from './policy.js';
import { FilePermissionStore } from './stores/file.js';
import { MemoryPermissionStore } from './stores/memory.js';
import type { Permission, PermissionStore } from './types.js';

/**
 * The `accessControl:` section of `hush.config.yaml`:
 *
 * ```yaml
 * accessControl:
 *   enforce: true                  # default true when the section is present
 *   store: file                    # file (default), audit (the audit database) or memory
 *   policyFile: .hush/permissions.yaml
 *   defaultPermissions: []         # e.g. [read] to let everyone read
 *   rootAccessors: [ops-root]      # hold admin without a grant (bootstrap)
 * ```
 */
export interface AccessControlConfig {
  enabled?: boolean;
  enforce?: boolean;
  store?: 'file' | 'audit' | 'memory';
  policyFile?: string;
  defaultPermissions?: Permission[];
  rootAccessors?: string[];
  anonymousAccessor?: string;
}

export const DEFAULT_POLICY_FILE = '.hush/permissions.yaml';

const KEYS = [
  'enabled',
  'enforce',
  'store',
  'policyFile',
  'defaultPermissions',
  'rootAccessors',
  'anonymousAccessor',
];

/**
 * Builds the access control a config section asks for, or undefined when absent or disabled.
 * `auditStore` is the audit database's permission store (`audit.permissionStore()` from
 * `@hush/audit-sqlite`), needed for `store: audit`; `audit` (the audit log itself) records every
 * grant and revoke.
 */
export function accessControlFromConfig(
  section: Record<string, unknown> | undefined,
  context: { root: string; file?: string; auditStore?: PermissionStore; audit?: PermissionChangeSink },
): SecretAccessControl | undefined {
  if (section === undefined || section === null) return undefined;
  const fail = (path: string, message: string): never => {
    throw new ConfigError(message, { file: context.file, path: `accessControl${path ? `.${path}` : ''}` });
  };
  if (typeof section !== 'object' || Array.isArray(section)) fail('', 'expected an object');
  for (const key of Object.keys(section))
    if (!KEYS.includes(key)) fail(key, `unknown option (expected one of ${KEYS.join(', ')})`);
  const c = section as AccessControlConfig;
  for (const key of ['enabled', 'enforce'] as const)
    if (c[key] !== undefined && typeof c[key] !== 'boolean') fail(key, 'expected true or false');
  if (c.enabled === false) return undefined;
  const storeKind = c.store ?? 'file';
  if (!['file', 'audit', 'memory'].includes(storeKind)) fail('store', "expected 'file', 'audit' or 'memory'");
  if (c.policyFile !== undefined && (typeof c.policyFile !== 'string' || c.policyFile === ''))
    fail('policyFile', 'expected a file path');
  const list = (key: 'defaultPermissions' | 'rootAccessors'): string[] => {
    const value = c[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
      return fail(key, 'expected a list of names');
    return value;
  };
  const defaults = list('defaultPermissions');
  defaults.forEach((p, i) => {
    if (!isPermission(p)) fail(`defaultPermissions[${i}]`, `unknown permission '${p}'`);
  });
  let store: PermissionStore;
  if (storeKind === 'audit') {
    if (!context.auditStore)
      return fail('store', "'audit' keeps grants in the audit database: enable the audit section too");
    store = context.auditStore;
  } else if (storeKind === 'memory') store = new MemoryPermissionStore();
  else {
    const path = c.policyFile ?? DEFAULT_POLICY_FILE;
    store = new FilePermissionStore(isAbsolute(path) ? path : resolve(context.root, path));
  }
  return new SecretAccessControl({
    store,
    enforceAccessControl: c.enforce ?? true,
    defaultPermissions: defaults as Permission[],
    rootAccessors: list('rootAccessors'),
    ...(c.anonymousAccessor ? { anonymousAccessor: c.anonymousAccessor } : {}),
    ...(context.audit ? { audit: context.audit } : {}),
  });
}
