import { describe, expect, it } from 'vitest';
import { SecretManager, ValidationError, validateSecretValue } from '../src/index.js';
import type { SecretProvider } from '../src/provider.js';

describe('validateSecretValue', () => {
  it('accepts any well-formed string, NUL and astral characters included', () => {
    for (const value of ['', 'plain', 'a\u0000b', '\u{1F512} locked', '\uD83D\uDD12', 'é'.repeat(1000)])
      expect(() => validateSecretValue('k', value)).not.toThrow();
  });

  it('refuses a lone surrogate (high or low, anywhere) with a typed error that names the secret only', () => {
    for (const value of ['\uD800', 'ab\uDC00', 'x\uD83Dy', '\uDFFF\uD800']) {
      let caught: unknown;
      try {
        validateSecretValue('api/key', `secret-${value}`);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as Error).message).toContain("'api/key'");
      expect((caught as Error).message).not.toContain('secret-');
    }
  });

  it('is applied by setSecret before anything reaches the provider', async () => {
    const writes: string[] = [];
    const provider: SecretProvider = {
      kind: 'memory',
      name: 'memory',
      capabilities: {
        write: true,
        delete: false,
        list: false,
        versions: false,
        tags: false,
        expiry: false,
        batchGet: false,
      },
      async get() {
        return null;
      },
      async set(key: string) {
        writes.push(key);
        return { key, version: '1', createdAt: new Date(), updatedAt: new Date(), provider: 'memory' };
      },
    } as unknown as SecretProvider;
    const manager = new SecretManager({ providers: [provider] });
    await expect(manager.setSecret('k', 'bad\uD800')).rejects.toBeInstanceOf(ValidationError);
    expect(writes).toEqual([]);
  });
});
