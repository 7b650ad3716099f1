/**
 * For provider tests that plant a value and make the provider fail: SDK errors often carry the
 * request (and so the value written) in places a message check never looks.
 *
 * Where `needle` occurs in an error: its message, its cause chain and every property, hidden
 * (non-enumerable) ones included, as a logger or a debugger could reach them. Empty when clean.
 */
export function findSecretValue(root: unknown, needle: string): string[] {
  const seen = new Set<unknown>();
  const found: string[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'string') {
      if (value.includes(needle)) found.push(path);
      return;
    }
    if (value instanceof Uint8Array) {
      if (Buffer.from(value).toString('utf8').includes(needle)) found.push(path);
      return;
    }
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 12) return;
    seen.add(value);
    const keys = new Set<PropertyKey>(Reflect.ownKeys(value));
    // Getters on prototypes (a RestError's request, a Response's body text) count too.
    for (const key of ['message', 'cause', 'request', 'response', 'body', 'bodyAsText', '$response'])
      keys.add(key);
    for (const key of keys) {
      let child: unknown;
      try {
        child = (value as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      if (typeof child !== 'function') walk(child, `${path}.${String(key)}`, depth + 1);
    }
  };
  walk(root, 'error', 0);
  return found;
}
