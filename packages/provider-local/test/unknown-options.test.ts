import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { LocalSecretProvider } from '../src/index.js';

describe('LocalSecretProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () =>
      new LocalSecretProvider({ storePath: '.hush/secrets.enc.json', masterKy: 'k' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("local provider: unknown option 'masterKy' (did you mean 'masterKey'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new LocalSecretProvider({ storePath: undefined, masterKy: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
