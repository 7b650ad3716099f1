import { SecretManager, type SecretProvider } from '@hush/core';
import { describe, expect, it } from 'vitest';

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

/**
 * Runs work that must fail and returns where its error holds `needle` (empty when clean).
 * Fails the test when the work succeeds.
 */
export async function leaksOf(work: () => Promise<unknown>, needle: string): Promise<string[]> {
  const error = await work().then(
    () => expect.fail('the operation should have failed'),
    (e: unknown) => e,
  );
  return findSecretValue(error, needle);
}

/** One way to make a provider's writes fail: turned on before the checks, off after. */
export interface LeakFault {
  /** Makes the next writes fail (an emulator fault, a denied credential...). */
  apply(): void | Promise<void>;
  clear?(): void | Promise<void>;
  /** The provider to write through while the fault is on (default the suite's provider). */
  provider?: () => SecretProvider;
}

export interface WriteLeakOptions {
  /** The provider under test, created once (its emulator already running). */
  provider: () => SecretProvider;
  /** Named faults, e.g. `{ '5xx': ..., throttling: ..., outage: ..., 'access denied': ... }`. */
  faults: Record<string, LeakFault>;
  /** Planted value (default a recognisable random-looking string). */
  value?: string;
}

/**
 * The write path's no-leak checks: for every fault, a failing `set` through the provider and a
 * failing `setSecret` through a manager must give errors that hold the value nowhere: message,
 * stack, cause chain, properties.
 */
export function describeWriteLeakChecks(name: string, options: WriteLeakOptions): void {
  const value = options.value ?? 'do-not-show-8f2c1e';
  describe(`no ${name} write error carries a secret value`, () => {
    for (const [label, fault] of Object.entries(options.faults))
      it(`on ${label}: the provider's set and the manager's setSecret`, async () => {
        const base = options.provider();
        await fault.apply();
        try {
          const provider = fault.provider?.() ?? base;
          expect(
            await leaksOf(
              () => provider.set!(`leak-check/${label.replace(/[^a-z0-9]+/gi, '-')}`, value, {}),
              value,
            ),
          ).toEqual([]);
          const manager = new SecretManager({
            providers: [{ provider, timeout: '20s' }],
            cache: { enabled: false },
          });
          expect(await leaksOf(() => manager.setSecret('leak-check/manager', value), value)).toEqual([]);
        } finally {
          await fault.clear?.();
        }
      });
  });
}
