import { randomInt } from 'node:crypto';
import { InvalidSecretNameError, isValidSecretName } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { isDnsSubdomain, locate, nameOfEntry, secretNameFor } from '../src/mapping.js';

const CHARS = 'abcXYZ019_-.';
function randomName(): string {
  const segments = Array.from({ length: randomInt(1, 5) }, () =>
    Array.from({ length: randomInt(1, 12) }, () => CHARS[randomInt(CHARS.length)]).join(''),
  );
  return segments.join('/');
}

describe('name mapping', () => {
  it('maps every valid hush name to a DNS-1123 Secret name and a data key, and back', () => {
    let checked = 0;
    const seen = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const name = randomName();
      if (!isValidSecretName(name)) continue;
      for (const mode of ['key', 'secret'] as const) {
        let location: ReturnType<typeof locate>;
        try {
          location = locate(name, mode, 'value');
        } catch (error) {
          // The only refusals: `x/value`, and data keys starting with '..'.
          expect(error).toBeInstanceOf(InvalidSecretNameError);
          expect(name.endsWith('/value') || /\/\.\.[^/]*$/.test(name)).toBe(true);
          continue;
        }
        expect(isDnsSubdomain(location.secretName)).toBe(true);
        expect(nameOfEntry(location.path, location.entry, mode, 'value')).toBe(name);
        const key = `${mode}:${location.secretName}/${location.entry}`;
        // Injective: no two names share a Secret and key.
        expect(seen.get(key) ?? name).toBe(name);
        seen.set(key, name);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('keeps DNS names as they are and derives readable names for the others', () => {
    expect(secretNameFor('db-credentials')).toBe('db-credentials');
    expect(secretNameFor('app.config')).toBe('app.config');
    expect(secretNameFor('Shop/DB_url')).toMatch(/^shop\.db-url-[0-9a-f]{10}$/);
    expect(secretNameFor('___')).toMatch(/^hush-[0-9a-f]{10}$/);
    expect(secretNameFor(`${'a'.repeat(300)}_`).length).toBeLessThanOrEqual(253);
    expect(secretNameFor('A')).not.toBe(secretNameFor('a'));
  });
});
