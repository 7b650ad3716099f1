import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob, ValidationError } from '../src/index.js';

describe('the one glob dialect', () => {
  const cases: Array<[string, string, boolean]> = [
    ['api-key-*', 'api-key-stripe', true],
    ['api-key-*', 'api-key-x/nested', false],
    ['db/**', 'db/prod/password', true],
    ['db/**', 'db', false],
    ['**/password', 'password', true],
    ['**/password', 'a/b/password', true],
    ['*', 'deep/nested/.hidden', true],
    ['**', 'x', true],
    ['env-only/*', 'env-only-token', false],
    ['key-?', 'key-1', true],
    ['key-?', 'key-/', false],
    ['key-[ab]', 'key-a', true],
    ['key-[!ab]', 'key-a', false],
    ['key-[a-c]', 'key-b', true],
    ['{db,cache}/url', 'cache/url', true],
    ['{db,cache}/url', 'queue/url', false],
    ['app/{prod/*,dev}', 'app/prod/x', true],
    ['a.b', 'aXb', false],
  ];
  for (const [pattern, name, expected] of cases)
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${name}`, () => {
      expect(matchesGlob(name, pattern)).toBe(expected);
    });

  it('refuses what it cannot read', () => {
    for (const bad of ['', '[abc', '{a,b', 'a}', '!(x)', 'a\\'])
      expect(() => globToRegExp(bad), bad).toThrow(ValidationError);
  });
});
