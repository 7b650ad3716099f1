import { isValidSecretName } from '@hush/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeName, encodeName } from '../src/index.js';
import { toVaultName } from '../src/mapping.js';

const HUSH_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/'];
const VAULT_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'];

/** Valid hush names: letters, digits and `_ . - /` without empty, `.` or `..` segments. */
const hushName = fc
  .array(fc.constantFrom(...HUSH_CHARS), { minLength: 1, maxLength: 60 })
  .map((chars) => chars.join(''))
  .filter(isValidSecretName);

describe('hush name <-> Key Vault name mapping', () => {
  it.each([
    ['plain', 'plain'],
    ['api-key-stripe', 'api--key--stripe'],
    ['database/connection', 'database-sconnection'],
    ['with_underscore', 'with-uunderscore'],
    ['with.dot', 'with-ddot'],
    ['DATABASE_URL', '-cdatabase-uurl'],
    ['MixedCase09', '-cm-cixed-cc-case09'],
    ['a--b', 'a----b'],
    ['team/App.Config_v2', 'team-s-ca-cpp-d-cc-config-uv2'],
    ['9', '9'],
  ])('maps %s to %s and back', (hush, vault) => {
    expect(encodeName(hush)).toBe(vault);
    expect(decodeName(vault)).toBe(hush);
  });

  it('reads a vault name case-insensitively (the service does not keep case apart)', () => {
    expect(decodeName('-CDATABASE-UURL')).toBe('DATABASE_URL');
  });

  it.each(['a-b', 'trailing-', '-x', 'a-c-cb', 'a-c', '---'])(
    'refuses %s, which no hush name maps to',
    (vault) => {
      expect(decodeName(vault)).toBeUndefined();
    },
  );

  it('round-trips every hush name (property)', () => {
    fc.assert(
      fc.property(hushName, (name) => decodeName(encodeName(name)) === name),
      { numRuns: 2000 },
    );
  });

  it('writes only lowercase letters, digits and dashes (property)', () => {
    fc.assert(
      fc.property(hushName, (name) => /^[0-9a-z-]+$/.test(encodeName(name))),
      { numRuns: 2000 },
    );
  });

  it('never maps two names to one vault name, even case-insensitively (property)', () => {
    fc.assert(
      fc.property(
        hushName,
        hushName,
        (a, b) => a === b || encodeName(a).toLowerCase() !== encodeName(b).toLowerCase(),
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes any vault name to nothing or to the one hush name that encodes to it (property)', () => {
    const vaultName = fc
      .array(fc.constantFrom(...VAULT_CHARS), { minLength: 1, maxLength: 40 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(vaultName, (name) => {
        const decoded = decodeName(name);
        return decoded === undefined || encodeName(decoded) === name.toLowerCase();
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses names that grow past 127 characters once mapped', () => {
    expect(toVaultName('a'.repeat(127), 'escape')).toHaveLength(127);
    expect(() => toVaultName(`${'a'.repeat(120)}/b/c/d/e`, 'escape')).toThrow(/127/);
    expect(() => toVaultName('with_underscore', 'none')).toThrow(/nameMapping is 'none'/);
    expect(toVaultName('plain-name', 'none')).toBe('plain-name');
  });
});
