import { defineCacheTierPlugin } from '@hush/core';
import type { RedisCacheTierOptions } from './options.js';
import { RedisCacheTier } from './tier.js';

export type { RedisCacheTierOptions } from './options.js';
export { RedisCacheTier } from './tier.js';

/** `cache: { shared: { kind: redis, url, key } }` in hush configuration. */
export default defineCacheTierPlugin<RedisCacheTierOptions>({
  kind: 'redis',
  async create(options, context) {
    const tier = new RedisCacheTier(options, context.environment);
    await tier.connect();
    return tier;
  },
});
