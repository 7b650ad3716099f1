/** One `${secret:...}` reference as written. */
export interface SecretReference {
  /** The text between `${secret:` and `}`. */
  raw: string;
  name: string;
  field?: string;
  default?: string;
}

// `$${...}` escapes a reference; the inner part ends at the first `}`.
const REFERENCE = /(\$?)\$\{secret:([^}]*)\}/g;

/**
 * Parses the inside of a reference: `name`, `name:default`, `name#field`, `name#field:default`.
 * The default is everything after the first colon, so `db-url:postgresql://localhost` works.
 */
export function parseReference(raw: string): SecretReference {
  const colon = raw.indexOf(':');
  const target = colon < 0 ? raw : raw.slice(0, colon);
  const hash = target.indexOf('#');
  const reference: SecretReference = { raw, name: (hash < 0 ? target : target.slice(0, hash)).trim() };
  if (hash >= 0) reference.field = target.slice(hash + 1).trim();
  if (colon >= 0) reference.default = raw.slice(colon + 1);
  return reference;
}

export interface TemplatePart {
  literal?: string;
  reference?: SecretReference;
}

/** Splits a string into literal text and references; `$${secret:x}` becomes the literal `${secret:x}`. */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const index = match.index;
    if (index > last) parts.push({ literal: text.slice(last, index) });
    if (match[1] === '$') parts.push({ literal: match[0].slice(1) });
    else parts.push({ reference: parseReference(match[2]!) });
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  return parts;
}

export function hasReferences(text: string): boolean {
  return splitTemplate(text).some((part) => part.reference);
}

/** Reads one field of a JSON secret; undefined when the value is not JSON or has no such field. */
export function extractField(value: string, field: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  let current: unknown = parsed;
  for (const segment of field.split('.')) {
    if (current === null || typeof current !== 'object' || !(segment in current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined) return undefined;
  return typeof current === 'string' ? current : JSON.stringify(current);
}
