import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { EnvSecretProvider } from '../src/index.js';

describe('EnvSecretProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () => new EnvSecretProvider({ prefx: 'APP_' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("env provider: unknown option 'prefx' (did you mean 'prefix'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new EnvSecretProvider({ name: undefined, prefx: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
