import { HushError } from './errors.js';
import { encodedForms } from './mask-forms.js';
import { MASK, type Masker, MIN_MASKED_LENGTH } from './masker.js';

/**
 * An error as it may leave the manager: the same class (so `instanceof` and `code` still
 * work), every text in it masked with the masker's values and the values of the operation
 * (the value being written, a generated one), and every attached object that could hold a
 * request or a response (an SDK's `$response`, `request`, a body) left out. The cause chain is
 * kept as plain masked errors.
 */
export function maskError(error: unknown, masker: Masker, values: readonly string[] = []): unknown {
  // The operation's own values (not in the masker when too many or not served yet), longest first.
  const forms = values
    .filter((value) => typeof value === 'string' && value.length >= MIN_MASKED_LENGTH)
    .flatMap((value) => encodedForms(value, MIN_MASKED_LENGTH))
    .sort((a, b) => b.length - a.length);
  const mask = (text: string) => {
    let out = masker.mask(text);
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(masker.replacement ?? MASK);
    return out;
  };
  return clone(error, mask, 0);
}

type Mask = (text: string) => string;

function clone(error: unknown, mask: Mask, depth: number): unknown {
  if (typeof error === 'string') return mask(error);
  if (!(error instanceof Error) && !(error instanceof HushError)) {
    return error !== null && typeof error === 'object' ? new Error(mask(describe(error))) : error;
  }
  const copy = Object.create(Object.getPrototypeOf(error)) as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if (!('value' in descriptor)) continue;
    const value = descriptor.value as unknown;
    let safe: unknown;
    if (key === 'cause') safe = depth < 4 ? clone(value, mask, depth + 1) : undefined;
    else safe = plain(value, mask, 0);
    if (safe === DROP) continue;
    Object.defineProperty(copy, key, { ...descriptor, value: safe });
  }
  if (!Object.hasOwn(copy, 'message')) copy.message = mask(String((error as Error).message ?? ''));
  if (!Object.hasOwn(copy, 'stack') && typeof (error as Error).stack === 'string')
    Object.defineProperty(copy, 'stack', {
      value: mask((error as Error).stack!),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  return copy;
}

const DROP = Symbol('drop');

/** Plain data (strings, numbers, arrays and plain objects) is kept masked; anything else is dropped. */
function plain(value: unknown, mask: Mask, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (depth > 4) return DROP;
  if (Array.isArray(value))
    return value.map((item) => plain(item, mask, depth + 1)).filter((v) => v !== DROP);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return DROP;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const safe = plain(v, mask, depth + 1);
    if (safe !== DROP) out[k] = safe;
  }
  return out;
}

function describe(value: object): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
