import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { KubernetesProvider } from '../src/index.js';

describe('KubernetesProvider options', () => {
  it('an option the provider does not know is a ConfigError naming it and the nearest known one', () => {
    const build = () => new KubernetesProvider({ namespce: 'apps' } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("kubernetes provider: unknown option 'namespce' (did you mean 'namespace'?)");
  });

  it('an option set to undefined counts as absent', () => {
    expect(() => new KubernetesProvider({ name: undefined, namespce: undefined } as never)).not.toThrow(
      /unknown option/,
    );
  });
});
