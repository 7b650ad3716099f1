import { ValidationError } from './errors.js';

// A UTF-16 surrogate half with no partner: it has no UTF-8 form, so encoding would replace it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a value that cannot be stored byte for byte: anything but a string, or a string holding
 * a lone surrogate (UTF-8, which every provider stores, has no encoding for it and would store
 * U+FFFD instead). Binary data goes through base64. The message names the secret, never the value.
 */
export function validateSecretValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new ValidationError(`the value of '${key}' must be a string`);
  const at = value.search(LONE_SURROGATE);
  if (at >= 0)
    throw new ValidationError(
      `the value of '${key}' holds a lone UTF-16 surrogate at index ${at}: it has no UTF-8 encoding and would not be stored as given`,
      { hint: 'store binary data as base64 (`hush set --binary`)' },
    );
}
