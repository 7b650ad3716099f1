import {
  AccessDeniedError,
  HushError,
  type ProviderFailure,
  ProviderUnavailableError,
  type UnresolvedReference,
  UnresolvedReferencesError,
} from './errors.js';
import { extractField, type SecretReference, splitTemplate } from './references.js';

/** Fetches one secret's value; null when it does not exist. */
export type SecretLookup = (name: string) => Promise<string | null>;

/** What a lookup found for one name. */
export type LookupOutcome =
  | { kind: 'value'; value: string }
  /** The providers answered that it does not exist: the one case where a default applies. */
  | { kind: 'missing' }
  | { kind: 'denied'; error: unknown }
  /** Providers failed and none had it. */
  | { kind: 'unavailable'; failures: ProviderFailure[] }
  | { kind: 'error'; error: unknown };

/** Fetches every distinct name at once. */
export type BatchLookup = (names: string[]) => Promise<Map<string, LookupOutcome>>;

export interface ResolveReferencesOptions {
  /** Apply defaults also when the lookup was unavailable (an outage). */
  defaultsOnOutage?: boolean;
  /** Told each field taken out of a JSON secret (so that a masker learns it). */
  onField?: (value: string) => void;
}

interface Site {
  path: string;
  text: string;
}

/**
 * Resolves `${secret:...}` references in any string, object or array. Every distinct secret
 * is fetched once, concurrently; a secret's own value is inserted as-is and never re-resolved;
 * every failure is reported together with its path in the document.
 */
export async function resolveReferences<T>(
  document: T,
  lookup: SecretLookup,
  options: ResolveReferencesOptions = {},
): Promise<T> {
  return resolveDocument(
    document,
    async (names) =>
      new Map(
        await Promise.all(
          names.map(async (name): Promise<[string, LookupOutcome]> => {
            try {
              const value = await lookup(name);
              return [name, value === null ? { kind: 'missing' } : { kind: 'value', value }];
            } catch (error) {
              return [name, outcomeOfError(error)];
            }
          }),
        ),
      ),
    options,
  );
}

/** Classifies a lookup's error: a denial, an outage, or another failure. */
export function outcomeOfError(error: unknown): LookupOutcome {
  if (error instanceof AccessDeniedError) return { kind: 'denied', error };
  if (error instanceof ProviderUnavailableError) return { kind: 'unavailable', failures: error.failures };
  return { kind: 'error', error };
}

/**
 * Resolves with one batch lookup of every distinct name. A default applies only when the
 * secret does not exist (or, with `defaultsOnOutage`, when providers failed); a denied
 * reference always fails. Denials are reported first (`AccessDeniedError`), then outages
 * (`ProviderUnavailableError`), then the rest (`UnresolvedReferencesError`), each naming every
 * reference concerned with its path.
 */
export async function resolveDocument<T>(
  document: T,
  lookup: BatchLookup,
  options: ResolveReferencesOptions = {},
): Promise<T> {
  const sites: Site[] = [];
  collect(document, '', sites);
  const names = new Set<string>();
  for (const site of sites)
    for (const part of splitTemplate(site.text)) if (part.reference) names.add(part.reference.name);
  const outcomes = names.size ? await lookup([...names]) : new Map<string, LookupOutcome>();

  const denied: UnresolvedReference[] = [];
  const unavailable: UnresolvedReference[] = [];
  const failures: UnresolvedReference[] = [];
  const outageCauses: ProviderFailure[] = [];
  const render = (site: Site): string =>
    splitTemplate(site.text)
      .map((part) => {
        if (part.reference === undefined) return part.literal ?? '';
        const outcome = outcomes.get(part.reference.name) ?? { kind: 'missing' };
        const result = substitute(part.reference, outcome, options.defaultsOnOutage ?? false);
        if (typeof result === 'string' && part.reference.field !== undefined && outcome.kind === 'value')
          options.onField?.(result);
        if (typeof result === 'string') return result;
        const entry = {
          path: site.path,
          reference: part.reference.raw.split(':')[0]!,
          reason: result.reason,
        };
        if (outcome.kind === 'denied') denied.push(entry);
        else if (outcome.kind === 'unavailable') {
          unavailable.push(entry);
          outageCauses.push(...outcome.failures);
        } else failures.push(entry);
        return '';
      })
      .join('');

  const resolved = rebuild(document, '', render) as T;
  if (denied.length)
    throw new AccessDeniedError(`access denied to ${describeSites(denied)}`, { operation: 'resolve' });
  if (unavailable.length)
    throw new ProviderUnavailableError(
      `could not resolve ${describeSites(unavailable)}: providers failed and none had the secret`,
      dedupe(outageCauses),
    );
  if (failures.length) throw new UnresolvedReferencesError(failures);
  return resolved;
}

function describeSites(sites: UnresolvedReference[]): string {
  return sites.map((r) => `${r.path || '(root)'} -> \${secret:${r.reference}}`).join(', ');
}

function substitute(
  reference: SecretReference,
  found: LookupOutcome,
  defaultsOnOutage: boolean,
): string | { reason: string } {
  const fallback = reference.default;
  switch (found.kind) {
    case 'denied':
      return { reason: 'access denied' };
    case 'unavailable':
      return defaultsOnOutage && fallback !== undefined ? fallback : { reason: 'providers unavailable' };
    case 'error':
      return {
        reason:
          found.error instanceof HushError
            ? found.error.code.toLowerCase().replace(/_/g, ' ')
            : 'lookup failed',
      };
    case 'missing':
      return fallback ?? { reason: 'not found' };
    case 'value': {
      if (reference.field === undefined) return found.value;
      const field = extractField(found.value, reference.field);
      return field ?? fallback ?? { reason: `no field '${reference.field}'` };
    }
  }
}

function dedupe(failures: ProviderFailure[]): ProviderFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const id = `${f.provider}\u0000${f.code}\u0000${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
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
