import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { AwsSecretsManagerProvider } from '../src/index.js';

describe('AwsSecretsManagerProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () => new AwsSecretsManagerProvider({ regoin: 'eu-west-1' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("aws provider: unknown option 'regoin' (did you mean 'region'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new AwsSecretsManagerProvider({ name: undefined, regoin: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
