import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { GcpSecretManagerProvider } from '../src/index.js';

describe('GcpSecretManagerProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () => new GcpSecretManagerProvider({ projct: 'my-project' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("gcp provider: unknown option 'projct' (did you mean 'project'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new GcpSecretManagerProvider({ name: undefined, projct: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
