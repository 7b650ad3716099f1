import { ValidationError } from './errors.js';
import type { Tags } from './types.js';

/** Tags as a key/value record; a list of words becomes tags with empty values. */
export function normalizeTags(tags: Tags): Record<string, string> {
  const entries: Array<[unknown, unknown]> = Array.isArray(tags)
    ? tags.map((word) => [word, ''])
    : Object.entries(tags ?? {});
  if (tags === null || typeof tags !== 'object')
    throw new ValidationError('tags must be a map of strings or a list of words');
  for (const [key, value] of entries) {
    if (typeof key !== 'string' || key === '')
      throw new ValidationError('a tag name must be a non-empty string');
    if (typeof value !== 'string') throw new ValidationError(`tag '${key}' must have a string value`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Whether a secret's tags satisfy a filter: every key/value given, or every word present. */
export function tagsMatch(have: Record<string, string> | undefined, wanted: Tags | undefined): boolean {
  if (!wanted) return true;
  if (Array.isArray(wanted)) return wanted.every((word) => have !== undefined && word in have);
  return Object.entries(wanted).every(([key, value]) => have?.[key] === value);
}
