import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateRandom,
  generateSecretValue,
  InvalidSecretNameError,
  matchesGlob,
  parseDuration,
  parseExpiry,
  ValidationError,
  validateSecretName,
} from '../src/index.js';

describe('durations and expiry', () => {
  it('parses every unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration(250)).toBe(250);
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', '90', 'd', '10 parsecs', '-5m'])
      expect(() => parseDuration(bad)).toThrow(ValidationError);
  });

  it('takes an expiry as a duration from now or a date', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseExpiry('90d', now).getTime()).toBe(now + 90 * 86_400_000);
    expect(parseExpiry('2027-06-30', now).toISOString()).toBe('2027-06-30T00:00:00.000Z');
    expect(() => parseExpiry('next tuesday', now)).toThrow(/expected a duration/);
  });
});

describe('generators', () => {
  it('draws random values of the asked length and alphabet', () => {
    expect(generateRandom(32)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generateSecretValue('random:16:hex')).toMatch(/^[0-9a-f]{16}$/);
    expect(generateSecretValue('uuid')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(generateSecretValue({ type: 'random', length: 8, alphabet: 'ab' })).toMatch(/^[ab]{8}$/);
  });

  it('uses every character of the alphabet about equally', () => {
    const counts = new Map<string, number>();
    for (const c of Array.from({ length: 4 }, () => generateRandom(4096, 'hex')).join(''))
      counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700);
  });

  it('refuses bad specifications', () => {
    expect(() => generateSecretValue('random:0')).toThrow(ValidationError);
    expect(() => generateSecretValue('random:x')).toThrow(ValidationError);
    expect(() => generateSecretValue('password')).toThrow(/unknown generator/);
    expect(() => generateRandom(8, 'a')).toThrow(/two distinct/);
  });
});

describe('secret names', () => {
  it('accepts paths of letters, digits, _ . - /', () => {
    for (const good of ['a', 'api-key-stripe', 'database/connection/url', 'x.y_z', 'A9/b-c.d_e'])
      expect(() => validateSecretName(good)).not.toThrow();
  });

  it('refuses everything else with a reason', () => {
    for (const bad of [
      '',
      ' ',
      'a b',
      '/a',
      'a/',
      'a//b',
      '../a',
      'a/./b',
      'x#y',
      'x:y',
      'é',
      'a'.repeat(513),
    ])
      expect(() => validateSecretName(bad), JSON.stringify(bad)).toThrow(InvalidSecretNameError);
  });

  it('never accepts a name with characters outside the set (property)', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const ok = (() => {
          try {
            validateSecretName(name);
            return true;
          } catch {
            return false;
          }
        })();
        if (ok) expect(name).toMatch(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/);
      }),
    );
  });
});

describe('globs', () => {
  it('matches within and across segments', () => {
    expect(matchesGlob('api-key-stripe', 'api-key-*')).toBe(true);
    expect(matchesGlob('api/key', 'api-*')).toBe(false);
    expect(matchesGlob('app/db/password', 'app/*')).toBe(false);
    expect(matchesGlob('app/db/password', 'app/**')).toBe(true);
    expect(matchesGlob('app/password', 'app/**/password')).toBe(true);
    expect(matchesGlob('a.b', 'a?b')).toBe(true);
    expect(matchesGlob('axb', 'a.b')).toBe(false);
  });
});
