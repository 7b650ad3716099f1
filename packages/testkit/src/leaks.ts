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
  /**
   * The backend's answer quotes the request, the value included (an emulator's echo fault):
   * the provider's own error may hold it, and only the manager's masking keeps it from the caller.
   * The provider's raw `set` is then not checked; the manager's errors are.
   */
  echoes?: boolean;
  /** How many times the backend served this fault so far: the checks fail unless it grew. */
  served?: () => number;
}

export interface WriteLeakOptions {
  /** The provider under test, created once (its emulator already running). */
  provider: () => SecretProvider;
  /** Named faults, e.g. `{ '5xx': ..., throttling: ..., outage: ..., 'access denied': ... }`. */
  faults: Record<string, LeakFault>;
  /** Planted value (default a recognisable random-looking string). */
  value?: string;
}

/** A value as the wire may carry it: itself, base64 (a Kubernetes Secret's data), hex, JSON-escaped. */
function wireForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [
    value,
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('hex'),
    JSON.stringify(value).slice(1, -1),
  ];
}

/** Where an error holds any wire form of `value`, its message and stack included. */
function leaksOfValue(error: unknown, value: string): string[] {
  const found = new Set<string>();
  for (const form of wireForms(value)) {
    for (const path of findSecretValue(error, form)) found.add(path);
    const stack = (error as { stack?: unknown } | null)?.stack;
    if (typeof stack === 'string' && stack.includes(form)) found.add('error.stack');
  }
  return [...found];
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => expect.fail('the operation should have failed'),
    (e: unknown) => e,
  );
}

/**
 * A provider that reads through `reader` and writes through `writer` with the fault on only
 * for the write, so that a rotation reads the current version and fails at the write, with a
 * value it generated. Records every value written.
 */
function faultedWrites(
  reader: SecretProvider,
  writer: SecretProvider,
  fault: LeakFault,
  written: string[],
): SecretProvider {
  return {
    name: reader.name,
    kind: reader.kind,
    capabilities: reader.capabilities,
    get: (key, options) => reader.get(key, options),
    set: async (key, value, options) => {
      written.push(value);
      await fault.apply();
      try {
        return await writer.set!(key, value, options);
      } finally {
        await fault.clear?.();
      }
    },
  };
}

/**
 * The write path's no-leak checks: for every fault, a failing `set` through the provider, and a
 * failing `setSecret` and `rotateSecret` (with a value the manager generates) through a manager,
 * must give errors that hold the value nowhere: message, stack, cause chain, properties, in any
 * of the forms a wire carries it (as is, base64, hex, JSON-escaped).
 */
export function describeWriteLeakChecks(name: string, options: WriteLeakOptions): void {
  const value = options.value ?? 'do-not-show-8f2c1e';
  describe(`no ${name} write error carries a secret value`, () => {
    for (const [label, fault] of Object.entries(options.faults)) {
      const slug = label.replace(/[^a-z0-9]+/gi, '-');
      it(`on ${label}: the provider's set and the manager's setSecret and rotateSecret`, async () => {
        const base = options.provider();
        const before = fault.served?.() ?? 0;
        const managerOf = (provider: SecretProvider) =>
          new SecretManager({ providers: [{ provider, timeout: '20s' }], cache: { enabled: false } });

        if (!fault.echoes) {
          await fault.apply();
          try {
            const provider = fault.provider?.() ?? base;
            expect(
              leaksOfValue(await failureOf(() => provider.set!(`leak-check/${slug}`, value, {})), value),
            ).toEqual([]);
          } finally {
            await fault.clear?.();
          }
        }

        const written: string[] = [];
        const faulted = faultedWrites(base, fault.provider?.() ?? base, fault, written);
        const set = await failureOf(() => managerOf(faulted).setSecret(`leak-check/manager-${slug}`, value));
        expect(leaksOfValue(set, value)).toEqual([]);

        // A rotation of an existing secret: the generated value reaches the backend only.
        const key = `leak-check/rotate-${slug}`;
        await base.set!(key, 'rotate-seed-value-0', {});
        written.length = 0;
        const rotated = await failureOf(() => managerOf(faulted).rotateSecret(key));
        expect(written.length).toBeGreaterThan(0);
        for (const generated of written) expect(leaksOfValue(rotated, generated)).toEqual([]);
        if (fault.served) expect(fault.served()).toBeGreaterThan(before);
      });
    }
  });
}
