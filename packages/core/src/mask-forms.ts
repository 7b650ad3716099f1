/** Lines of a multi-line value shorter than this are not masked on their own. */
export const MIN_MASKED_LINE_LENGTH = 8;

/**
 * The forms in which a value shows up in output besides itself: base64 (with and without
 * padding, so that it is found inside a longer encoded text too) and base64url, lower and upper case
 * hex, percent-encoded (as `encodeURIComponent` and as a form body writes it), JSON-string
 * escaped, and each line of a multi-line value of at least `MIN_MASKED_LINE_LENGTH` characters.
 */
export function encodedForms(value: string, minLength: number): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([value]);
  const base64 = bytes.toString('base64');
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  const hex = bytes.toString('hex');
  forms.add(hex);
  forms.add(hex.toUpperCase());
  forms.add(percentEncoded(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(JSON.stringify(value).slice(1, -1));
  if (/[\r\n]/.test(value))
    for (const line of value.split(/\r?\n|\r/)) if (line.length >= MIN_MASKED_LINE_LENGTH) forms.add(line);
  return [...forms].filter((form) => form.length >= minLength);
}

function percentEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be percent-encoded; the value itself is still masked.
    return value;
  }
}
