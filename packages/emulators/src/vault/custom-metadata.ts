/** The KV plugin's checks of custom_metadata, with its messages (one line per problem). */
export function validateCustomMetadata(custom: Record<string, string>): string[] {
  const prefix = 'custom_metadata validation failed';
  const keys = Object.keys(custom);
  if (keys.length > 64) return [`${prefix}: payload must contain at most 64 keys, provided ${keys.length}`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(custom)) {
    if (key.length === 0 || key.length > 128)
      problems.push(`${prefix}: length of key "${key}" is ${key.length} but must be 0 < len(key) <= 128`);
    if (value.length === 0 || value.length > 512)
      problems.push(
        `${prefix}: length of value for key "${key}" is ${value.length} but must be 0 < len(value) <= 512`,
      );
    if (unprintable(key))
      problems.push(`${prefix}: key ${goQuote(key)} (${key}) contains unprintable characters`);
    if (unprintable(value))
      problems.push(`${prefix}: value for key ${goQuote(key)} contains unprintable characters`);
  }
  return problems;
}

/** Go's %q: a quoted string with unprintable characters escaped as \\uXXXX. */
function goQuote(text: string): string {
  return JSON.stringify(text).replace(/[\p{C}\p{Z}]/gu, (c) =>
    c === ' ' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Go's unicode.IsPrint, inverted: control, format and separator characters other than the space. */
function unprintable(text: string): boolean {
  return /[\p{C}\p{Z}]/u.test(text.replaceAll(' ', ''));
}
