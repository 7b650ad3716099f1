import { isAbsolute, join } from 'node:path';

// The `audit` and `accessControl` sections of a configuration, checked and completed with their
// defaults; `fail` reports a bad setting with its path in the file.

export interface AuditSettings {
  enabled: boolean;
  path: string;
  failMode: 'closed' | 'open';
  retentionDays?: number;
}

export interface AccessSettings {
  enforce: boolean;
  store: 'file' | 'audit';
  policyFile?: string;
  accessor?: string;
  rootAccessors: string[];
  defaultPermissions: string[];
}

type Fail = (path: string, message: string) => never;

function allowedKeys(obj: Record<string, unknown>, section: string, keys: string[], fail: Fail): void {
  for (const key of Object.keys(obj))
    if (!keys.includes(key))
      fail(`${section}.${key}`, `unknown setting '${key}' (expected one of: ${keys.join(', ')})`);
}

export function parseAudit(raw: Record<string, unknown>, root: string, fail: Fail): AuditSettings {
  allowedKeys(raw, 'audit', ['enabled', 'path', 'failMode', 'retentionDays'], fail);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean')
    fail('audit.enabled', 'expected true or false');
  if (raw.path !== undefined && (typeof raw.path !== 'string' || raw.path === ''))
    fail('audit.path', 'expected a file path');
  if (raw.failMode !== undefined && raw.failMode !== 'closed' && raw.failMode !== 'open')
    fail('audit.failMode', "expected 'closed' or 'open'");
  if (raw.retentionDays !== undefined && (typeof raw.retentionDays !== 'number' || raw.retentionDays < 0))
    fail('audit.retentionDays', 'expected a number of days');
  const path = (raw.path as string | undefined) ?? '.hush/audit.db';
  return {
    enabled: (raw.enabled as boolean | undefined) ?? true,
    path: isAbsolute(path) ? path : join(root, path),
    failMode: (raw.failMode as 'closed' | 'open' | undefined) ?? 'closed',
    ...(raw.retentionDays !== undefined ? { retentionDays: raw.retentionDays as number } : {}),
  };
}

export function parseAccess(raw: Record<string, unknown>, root: string, fail: Fail): AccessSettings {
  allowedKeys(
    raw,
    'accessControl',
    ['enforce', 'policyFile', 'accessor', 'rootAccessors', 'defaultPermissions'],
    fail,
  );
  if (raw.enforce !== undefined && typeof raw.enforce !== 'boolean')
    fail('accessControl.enforce', 'expected true or false');
  if (raw.policyFile !== undefined && (typeof raw.policyFile !== 'string' || raw.policyFile === ''))
    fail('accessControl.policyFile', 'expected a file path');
  if (raw.accessor !== undefined && (typeof raw.accessor !== 'string' || raw.accessor === ''))
    fail('accessControl.accessor', 'expected an accessor name');
  const list = (key: string): string[] => {
    const value = raw[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      return fail(`accessControl.${key}`, 'expected a list of strings');
    return value as string[];
  };
  const policyFile = raw.policyFile as string | undefined;
  return {
    enforce: (raw.enforce as boolean | undefined) ?? true,
    store: policyFile ? 'file' : 'audit',
    ...(policyFile ? { policyFile: isAbsolute(policyFile) ? policyFile : join(root, policyFile) } : {}),
    ...(raw.accessor ? { accessor: raw.accessor as string } : {}),
    rootAccessors: list('rootAccessors'),
    defaultPermissions: list('defaultPermissions'),
  };
}
