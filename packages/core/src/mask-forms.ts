/** Lines of a multi-line value shorter than this are not masked on their own. */
export const MIN_MASKED_LINE_LENGTH = 8;

/** How a value was written: itself, or one of the encodings a masker and a scanner look for. */
export type EncodedFormKind = 'raw' | 'base64' | 'base64url' | 'hex' | 'url' | 'form-url' | 'json' | 'line';

/**
 * The forms in which a value shows up in output besides itself: base64 (with and without
 * padding, so that it is found inside a longer encoded text too) and base64url, lower and upper case
 * hex, percent-encoded (as `encodeURIComponent` and as a form body writes it), JSON-string
 * escaped, and each line of a multi-line value of at least `MIN_MASKED_LINE_LENGTH` characters.
 */
export function encodedForms(value: string, minLength: number): string[] {
  return encodedFormsByKind(value, minLength).map((entry) => entry.form);
}

/**
 * `encodedForms` with the kind of each form; a form that two encodings share (a plain word is
 * its own URL and JSON form) is listed once, under the first kind.
 */
export function encodedFormsByKind(
  value: string,
  minLength: number,
): Array<{ kind: EncodedFormKind; form: string }> {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Map<string, EncodedFormKind>();
  const add = (form: string, kind: EncodedFormKind) => {
    if (!forms.has(form)) forms.set(form, kind);
  };
  add(value, 'raw');
  const base64 = bytes.toString('base64');
  add(base64, 'base64');
  add(base64.replace(/=+$/, ''), 'base64');
  add(bytes.toString('base64url'), 'base64url');
  const hex = bytes.toString('hex');
  add(hex, 'hex');
  add(hex.toUpperCase(), 'hex');
  const percent = percentEncoded(value);
  add(percent ?? value, 'url');
  add(percent === undefined ? formEncodedSlowly(value) : formEncoded(percent), 'form-url');
  add(JSON.stringify(value).slice(1, -1), 'json');
  if (/[\r\n]/.test(value))
    for (const line of value.split(/\r?\n|\r/)) if (line.length >= MIN_MASKED_LINE_LENGTH) add(line, 'line');
  return [...forms].filter(([form]) => form.length >= minLength).map(([form, kind]) => ({ kind, form }));
}

function percentEncoded(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be percent-encoded; the value itself is still masked.
    return undefined;
  }
}

/**
 * As a form body writes it (`URLSearchParams`), derived from the percent-encoded form without
 * building the form: the two differ only in a space (`+`) and in `!'()~`, which a form encodes.
 */
function formEncoded(percent: string): string {
  return percent.replace(/%20|[!'()~]/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** With a lone surrogate, which a form body writes as U+FFFD. */
function formEncodedSlowly(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
