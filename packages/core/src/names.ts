import { InvalidSecretNameError } from './errors.js';

/** Longest name accepted by every provider once mapped (AWS allows 512, Key Vault 127 after mapping). */
export const MAX_SECRET_NAME_LENGTH = 512;

const ALLOWED = /^[A-Za-z0-9_.\-/]+$/;

/**
 * Hush secret names: letters, digits and `_ . - /`, where `/` separates path segments
 * (`database/connection`). A name may not start or end with `/`, hold an empty segment,
 * or a `.`/`..` segment. `#` and `:` are reserved for references (`name#field`, `name:default`).
 */
export function validateSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidSecretNameError(String(name), 'a name must be a string');
  if (name.length === 0) throw new InvalidSecretNameError(name, 'a name cannot be empty');
  if (name.length > MAX_SECRET_NAME_LENGTH)
    throw new InvalidSecretNameError(name, `longer than ${MAX_SECRET_NAME_LENGTH} characters`);
  if (!ALLOWED.test(name))
    throw new InvalidSecretNameError(name, "use letters, digits and '_', '.', '-', '/' only");
  if (name.startsWith('/') || name.endsWith('/'))
    throw new InvalidSecretNameError(name, "a name cannot start or end with '/'");
  for (const segment of name.split('/')) {
    if (segment === '') throw new InvalidSecretNameError(name, "a name cannot contain '//'");
    if (segment === '.' || segment === '..')
      throw new InvalidSecretNameError(name, "'.' and '..' are not allowed as path segments");
  }
}

export function isValidSecretName(name: unknown): name is string {
  try {
    validateSecretName(name);
    return true;
  } catch {
    return false;
  }
}

/** Splits `name#field` into its parts; a name never contains `#`. */
export function splitFieldReference(reference: string): { name: string; field?: string } {
  const hash = reference.indexOf('#');
  if (hash < 0) return { name: reference };
  return { name: reference.slice(0, hash), field: reference.slice(hash + 1) };
}
