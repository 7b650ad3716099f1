import { parseExpiry, ValidationError, validateSecretName } from '@hush/core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { compilePattern, isPattern } from './patterns.js';
import {
  PERMISSIONS,
  type Permission,
  type PermissionGrant,
  type PermissionPolicy,
  type PolicyGrant,
  SCOPES,
  type Scope,
} from './types.js';

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Checks a grant target: a valid secret name, or a glob pattern that compiles. */
export function validateTarget(target: unknown, where = 'secret'): asserts target is string {
  if (typeof target !== 'string' || target.length === 0)
    throw new ValidationError(`${where}: expected a secret name or a glob pattern`);
  if (isPattern(target)) {
    try {
      compilePattern(target);
    } catch (error) {
      throw new ValidationError(`${where}: invalid glob pattern ${JSON.stringify(target)}`, { cause: error });
    }
    return;
  }
  validateSecretName(target);
}

export function validateAccessor(accessor: unknown, where = 'accessor'): asserts accessor is string {
  if (typeof accessor !== 'string' || accessor.trim().length === 0)
    throw new ValidationError(`${where}: expected a non-empty accessor name`);
}

function isoDate(value: unknown, where: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') {
    try {
      return parseExpiry(value);
    } catch {
      // fall through to the message that names the field
    }
  }
  throw new ValidationError(`${where}: expected an ISO timestamp`);
}

const GRANT_FIELDS = ['secret', 'accessor', 'permission', 'scope', 'grantedAt', 'grantedBy', 'expiresAt'];
const DOCUMENT_FIELDS = ['version', 'grants'];

/** Names the first field of `entry` that is not one of `known`: a typo is refused, never ignored. */
function refuseUnknownFields(entry: Record<string, unknown>, known: string[], where: string): void {
  const unknown = Object.keys(entry).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new ValidationError(`${where}: unknown field '${unknown}' (expected ${known.join(', ')})`);
}

/** Turns one policy entry into a grant, with a message that names the faulty field. */
export function grantFromPolicy(entry: unknown, where: string): PermissionGrant {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ValidationError(`${where}: expected an object with secret, accessor and permission`);
  const e = entry as Record<string, unknown>;
  refuseUnknownFields(e, GRANT_FIELDS, where);
  validateTarget(e.secret, `${where}.secret`);
  validateAccessor(e.accessor, `${where}.accessor`);
  if (!isPermission(e.permission))
    throw new ValidationError(`${where}.permission: expected one of ${PERMISSIONS.join(', ')}`);
  const scope = e.scope ?? 'global';
  if (!isScope(scope)) throw new ValidationError(`${where}.scope: expected one of ${SCOPES.join(', ')}`);
  if (e.grantedBy !== undefined && typeof e.grantedBy !== 'string')
    throw new ValidationError(`${where}.grantedBy: expected a string`);
  const grantedAt = isoDate(e.grantedAt, `${where}.grantedAt`) ?? new Date();
  const expiresAt = isoDate(e.expiresAt, `${where}.expiresAt`);
  return {
    secret: e.secret,
    accessor: e.accessor,
    permission: e.permission,
    scope,
    grantedAt,
    ...(e.grantedBy ? { grantedBy: e.grantedBy as string } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

export function grantToPolicy(grant: PermissionGrant): PolicyGrant {
  return {
    secret: grant.secret,
    accessor: grant.accessor,
    permission: grant.permission,
    scope: grant.scope,
    grantedAt: grant.grantedAt.toISOString(),
    ...(grant.grantedBy ? { grantedBy: grant.grantedBy } : {}),
    ...(grant.expiresAt ? { expiresAt: grant.expiresAt.toISOString() } : {}),
  };
}

/**
 * Parses the content of a policy file (an object, or JSON/YAML text) into grants. An empty file
 * holds no grants; anything else must be a policy document.
 */
export function parsePolicy(input: unknown): PermissionGrant[] {
  const doc = typeof input === 'string' ? parseText(input) : input;
  if (doc === null || doc === undefined) return [];
  return grantsOf(doc, false);
}

/**
 * Parses what `importPermissions` is given: a policy document `{ version: 1, grants: [...] }` (as
 * `exportPermissions()` returns it), or its JSON or YAML text. Anything else is refused before a
 * grant changes, so that a restore from a bad backup (a Promise, `{}`, another format) can never
 * pass for an empty policy.
 */
export function parsePolicyDocument(input: unknown): PermissionGrant[] {
  if (isThenable(input))
    throw new ValidationError(
      'policy: got a Promise, not a policy document: await it first (exportPermissionsAsync() returns one)',
    );
  const doc = typeof input === 'string' ? parseText(input) : input;
  if (doc === null || doc === undefined || (typeof input === 'string' && input.trim() === ''))
    throw new ValidationError(
      'policy: expected a policy document { version: 1, grants: [...] }, got nothing',
    );
  return grantsOf(doc, true);
}

function parseText(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return parseYaml(text);
  } catch (error) {
    throw new ValidationError('policy: not valid JSON or YAML', { cause: error });
  }
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The grants of a document; `requireGrants`: a document without a `grants` list is refused. */
function grantsOf(doc: unknown, requireGrants: boolean): PermissionGrant[] {
  if (isThenable(doc)) throw new ValidationError('policy: got a Promise, not a policy document');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ValidationError(
      `policy: expected an object { version: 1, grants: [...] }, got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  const fields = doc as Record<string, unknown>;
  refuseUnknownFields(fields, DOCUMENT_FIELDS, 'policy');
  const { version, grants } = fields;
  if (version !== undefined && version !== 1)
    throw new ValidationError(`policy.version: unsupported version ${JSON.stringify(version)} (expected 1)`);
  if (grants === undefined || grants === null) {
    if (requireGrants)
      throw new ValidationError(
        'policy.grants: missing; a policy document is { version: 1, grants: [...] } (an empty list drops nothing in merge mode)',
      );
    return [];
  }
  if (!Array.isArray(grants)) throw new ValidationError('policy.grants: expected a list');
  return grants.map((entry, index) => grantFromPolicy(entry, `grants[${index}]`));
}

export function policyFromGrants(grants: PermissionGrant[]): PermissionPolicy {
  return { version: 1, grants: sortGrants(grants).map(grantToPolicy) };
}

export function formatPolicy(policy: PermissionPolicy, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(policy, null, 2)}\n` : stringifyYaml(policy);
}

export function sortGrants(grants: PermissionGrant[]): PermissionGrant[] {
  return [...grants].sort(
    (a, b) =>
      a.secret.localeCompare(b.secret) ||
      a.accessor.localeCompare(b.accessor) ||
      a.scope.localeCompare(b.scope) ||
      PERMISSIONS.indexOf(a.permission) - PERMISSIONS.indexOf(b.permission),
  );
}
