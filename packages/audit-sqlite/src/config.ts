import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@hush/core';
import type { AuditLog } from './log.js';
import type { AuditOptions } from './options.js';
import { auditPostgres } from './postgres.js';
import { auditSqlite } from './sqlite.js';

/**
 * The `audit:` section of `hush.config.yaml`:
 *
 * ```yaml
 * audit:
 *   enabled: true            # default true when the section is present
 *   path: .hush/audit.db     # SQLite file, relative to the config file's folder (the default)
 *   # url: postgres://audit@db.internal/hush   # or a shared PostgreSQL instead
 *   failMode: closed         # or open
 *   retentionDays: 90
 * ```
 */
export interface AuditConfig {
  enabled?: boolean;
  path?: string;
  url?: string;
  failMode?: 'closed' | 'open' | 'failClosed' | 'failOpen';
  retentionDays?: number;
  batchSize?: number;
  flushIntervalMs?: number;
}

export const DEFAULT_AUDIT_PATH = '.hush/audit.db';

const KEYS = ['enabled', 'path', 'url', 'failMode', 'retentionDays', 'batchSize', 'flushIntervalMs'];

/**
 * Builds the audit plugin a config section asks for, or undefined when the section is absent or
 * disabled. `root` is the folder relative paths resolve from; `file` names the config in errors.
 */
export function auditFromConfig(
  section: Record<string, unknown> | undefined,
  context: { root: string; file?: string },
  extra: Pick<AuditOptions, 'auditLogCallback' | 'name'> = {},
): AuditLog | undefined {
  if (section === undefined || section === null) return undefined;
  const fail = (path: string, message: string): never => {
    throw new ConfigError(message, { file: context.file, path: `audit.${path}` });
  };
  if (typeof section !== 'object' || Array.isArray(section)) fail('', 'expected an object');
  for (const key of Object.keys(section))
    if (!KEYS.includes(key)) fail(key, `unknown option (expected one of ${KEYS.join(', ')})`);
  const c = section as AuditConfig;
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') fail('enabled', 'expected true or false');
  if (c.enabled === false) return undefined;
  if (c.failMode !== undefined && !['closed', 'open', 'failClosed', 'failOpen'].includes(c.failMode))
    fail('failMode', "expected 'closed' or 'open'");
  for (const key of ['retentionDays', 'batchSize', 'flushIntervalMs'] as const)
    if (c[key] !== undefined && (typeof c[key] !== 'number' || !(c[key] >= 0)))
      fail(key, 'expected a number of at least 0');
  if (c.path !== undefined && (typeof c.path !== 'string' || c.path === ''))
    fail('path', 'expected a file path');
  if (c.url !== undefined && (typeof c.url !== 'string' || !/^postgres(ql)?:\/\//.test(c.url)))
    fail('url', 'expected a postgres:// connection URL');
  if (c.url !== undefined && c.path !== undefined)
    fail('url', 'give either path (SQLite) or url (PostgreSQL), not both');
  const options: AuditOptions = {
    ...extra,
    ...(c.failMode ? { failMode: c.failMode } : {}),
    ...(c.retentionDays !== undefined ? { retentionDays: c.retentionDays } : {}),
    ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
    ...(c.flushIntervalMs !== undefined ? { flushIntervalMs: c.flushIntervalMs } : {}),
  };
  if (c.url) return auditPostgres({ ...options, connectionString: c.url });
  const path = c.path ?? DEFAULT_AUDIT_PATH;
  return auditSqlite({
    ...options,
    path: path === ':memory:' || isAbsolute(path) ? path : resolve(context.root, path),
  });
}
