import type { ProviderPlugin } from '@hush/core';

/**
 * The providers the CLI ships (its own dependencies), handed to core as built-ins: in the bundled
 * command they are part of the command's own code, so they need no package lookup and no second
 * copy of `@hush/core`. Each is imported when a chain first creates one. Every other provider is
 * found and loaded at run time by core's plugin loader.
 */
export const builtinProviders: Readonly<Record<string, ProviderPlugin>> = Object.freeze({
  local: {
    kind: 'local',
    create: async (options, context) =>
      (await import('@hush/provider-local')).default.create(options, context),
  },
  env: {
    kind: 'env',
    create: async (options, context) => (await import('@hush/provider-env')).default.create(options, context),
  },
});
