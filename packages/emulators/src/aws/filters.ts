import { validation } from './errors.js';
import type { StoredSecret } from './model.js';

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];
const FILTER_VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

export interface Filter {
  Key?: string;
  Values?: string[];
}

export interface ParsedFilter {
  key: string;
  /** A secret passes when any of these matches (none given: every secret passes)... */
  include: string[];
  /** ...and none of these (the values written with a leading `!`). */
  exclude: string[];
}

export function readFilters(filters: unknown): ParsedFilter[] {
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters) || filters.length > 10)
    throw validation("1 validation error detected: Value at 'filters' failed to satisfy constraint");
  return filters.map((filter: Filter) => {
    if (typeof filter?.Key !== 'string' || !FILTER_KEYS.includes(filter.Key))
      throw validation(
        `1 validation error detected: Value '${String(filter?.Key)}' at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    const values = filter.Values ?? [];
    if (!Array.isArray(values) || values.length < 1 || values.length > 10)
      throw validation(
        "1 validation error detected: Value at 'filters.member.values' failed to satisfy constraint",
      );
    for (const v of values)
      if (typeof v !== 'string' || v.length > 512 || !FILTER_VALUE.test(v))
        throw validation(
          "1 validation error detected: Value at 'filters.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern",
        );
    return {
      key: filter.Key,
      include: values.filter((v) => !v.startsWith('!')),
      exclude: values.filter((v) => v.startsWith('!')).map((v) => v.slice(1)),
    };
  });
}

/** The words of a filter value: AWS splits it on spaces, and every word must match. */
const valueWords = (value: string) => value.split(' ').filter(Boolean);

/** Words of free text (a description): runs of letters and digits. */
const textWords = (text: string) => text.split(/[^A-Za-z0-9]+/).filter(Boolean);

/** Tokens of a name for the `all` filter: the name, its `/`-separated parts and their camelCase parts. */
function nameTokens(name: string): string[] {
  const parts = name.split('/').filter(Boolean);
  const camel = parts.flatMap((p) => p.split(/(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+/).filter(Boolean));
  return [name, ...parts, ...camel];
}

const startsWithAny = (tokens: string[], word: string) => tokens.some((t) => t.startsWith(word));

/** One filter value against one secret, with the case rules of each key as AWS documents them. */
function matchOne(secret: StoredSecret, key: string, value: string): boolean {
  const words = valueWords(value);
  if (words.length === 0) return false;
  const tags = secret.tags ?? [];
  switch (key) {
    case 'name': // prefix match, case-sensitive
      return words.every((w) => secret.name.startsWith(w));
    case 'description': {
      // prefix match on the description or on one of its words, not case-sensitive
      const text = (secret.description ?? '').toLowerCase();
      const tokens = [text, ...textWords(text)];
      return words.every((w) => startsWithAny(tokens, w.toLowerCase()));
    }
    case 'tag-key': // prefix match, case-sensitive
      return tags.some((t) => t.Key.startsWith(value));
    case 'tag-value':
      return tags.some((t) => t.Value.startsWith(value));
    case 'all': {
      // every word of the value, not case-sensitive, against every attribute
      const tokens = [
        ...nameTokens(secret.name),
        ...textWords(secret.description ?? ''),
        ...tags.flatMap((t) => [t.Key, t.Value, ...textWords(t.Key), ...textWords(t.Value)]),
      ].map((t) => t.toLowerCase());
      return words.every((w) => startsWithAny(tokens, w.toLowerCase()));
    }
    default:
      // primary-region and owning-service: the emulator has no replicas and no managed secrets.
      return false;
  }
}

/** Filters combine with AND; the values of one filter with OR; negated values exclude. */
export function matchesAll(secret: StoredSecret, filters: ParsedFilter[]): boolean {
  return filters.every(
    (f) =>
      (f.include.length === 0 || f.include.some((v) => matchOne(secret, f.key, v))) &&
      f.exclude.every((v) => !matchOne(secret, f.key, v)),
  );
}
