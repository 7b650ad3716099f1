import { HushError, type UnresolvedReference, UnresolvedReferencesError } from './errors.js';
import { extractField, type SecretReference, splitTemplate } from './references.js';

/** Fetches one secret's value; null when it does not exist. */
export type SecretLookup = (name: string) => Promise<string | null>;

interface Site {
  path: string;
  text: string;
}

/**
 * Resolves `${secret:...}` references in any string, object or array. Every distinct secret
 * is fetched once and concurrently; a secret's own value is inserted as-is and never
 * re-resolved; every failure is reported together with its path in the document.
 */
export async function resolveReferences<T>(document: T, lookup: SecretLookup): Promise<T> {
  const sites: Site[] = [];
  collect(document, '', sites);
  const names = new Set<string>();
  for (const site of sites)
    for (const part of splitTemplate(site.text)) if (part.reference) names.add(part.reference.name);

  const values = new Map<string, { value: string | null } | { error: string }>();
  await Promise.all(
    [...names].map(async (name) => {
      try {
        values.set(name, { value: await lookup(name) });
      } catch (error) {
        values.set(name, {
          error: error instanceof HushError ? error.code.toLowerCase().replace(/_/g, ' ') : 'lookup failed',
        });
      }
    }),
  );

  const failures: UnresolvedReference[] = [];
  const render = (site: Site): string =>
    splitTemplate(site.text)
      .map((part) => {
        if (part.reference === undefined) return part.literal ?? '';
        const outcome = substitute(part.reference, values.get(part.reference.name)!);
        if (typeof outcome === 'string') return outcome;
        failures.push({
          path: site.path,
          reference: part.reference.raw.split(':')[0]!,
          reason: outcome.reason,
        });
        return '';
      })
      .join('');

  const resolved = rebuild(document, '', render) as T;
  if (failures.length) throw new UnresolvedReferencesError(failures);
  return resolved;
}

function substitute(
  reference: SecretReference,
  found: { value: string | null } | { error: string },
): string | { reason: string } {
  const fallback = reference.default;
  if ('error' in found) return fallback ?? { reason: found.error };
  if (found.value === null) return fallback ?? { reason: 'not found' };
  if (reference.field === undefined) return found.value;
  const field = extractField(found.value, reference.field);
  return field ?? fallback ?? { reason: `no field '${reference.field}'` };
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key)
    ? path
      ? `${path}.${key}`
      : key
    : `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collect(value: unknown, path: string, sites: Site[]): void {
  if (typeof value === 'string') sites.push({ path, text: value });
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) collect(item, childPath(path, i), sites);
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) collect(v, childPath(path, k), sites);
}

function rebuild(value: unknown, path: string, render: (site: Site) => string): unknown {
  if (typeof value === 'string') return value.includes('${') ? render({ path, text: value }) : value;
  if (Array.isArray(value)) return value.map((item, i) => rebuild(item, childPath(path, i), render));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rebuild(v, childPath(path, k), render);
    return out;
  }
  return value;
}
