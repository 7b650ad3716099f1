import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { VaultProvider } from '../src/index.js';

describe('VaultProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () => new VaultProvider({ adress: 'http://127.0.0.1:8200' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("vault provider: unknown option 'adress' (did you mean 'address'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new VaultProvider({ name: undefined, adress: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
