import { resolve } from 'node:path';
import { ConfigError, defineProviderPlugin } from '@hush/core';
import { JsonFileProvider, type JsonFileProviderOptions } from './provider.js';

export type { JsonFileProviderOptions };
export { JsonFileProvider };

/** Loaded by hush through `module: hush-provider-jsonfile` in hush.config.yaml. */
export default defineProviderPlugin<Partial<JsonFileProviderOptions>>({
  kind: 'jsonfile',
  create(options, context) {
    if (options.path !== undefined && typeof options.path !== 'string')
      throw new ConfigError('expected a file path', { path: 'options.path' });
    return new JsonFileProvider({
      path: resolve(context.root, options.path ?? 'secrets.json'),
      name: context.name,
    });
  },
});
