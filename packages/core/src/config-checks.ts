import { isDurationText } from './duration.js';

/** Reports a configuration problem at a path; never returns. */
export type Fail = (path: string, message: string) => never;

export function expectObject(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail(path || '(root)', `expected a map, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** Refuses any key not in `allowed`, naming the ones that are. */
export function checkKeys(obj: Record<string, unknown>, path: string, allowed: string[], fail: Fail): void {
  for (const key of Object.keys(obj))
    if (!allowed.includes(key))
      fail(
        path ? `${path}.${key}` : key,
        `unknown setting '${key}' (expected one of: ${allowed.join(', ')})`,
      );
}

export function parseDurationSetting(value: unknown, path: string, fail: Fail): string | number {
  if (typeof value === 'number' && value >= 0) return value;
  if (typeof value === 'string' && isDurationText(value)) return value;
  return fail(path, `expected a duration such as '30s', '5m' or '90d', got ${describe(value)}`);
}

/**
 * What a setting was, by its type only: a value may have come from `${env:...}` and be a
 * secret, so an error never quotes it.
 */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

/** A provider or cache tier kind: the `<kind>` of `@hush/provider-<kind>` and `@hush/cache-<kind>`. */
export const KIND = /^[a-z][a-z0-9-]*$/;
