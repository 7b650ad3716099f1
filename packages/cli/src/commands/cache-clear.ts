import type { PersistentCacheControl } from '@hush/core';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

/** Drops every entry of the persistent cache, or one secret's. */
export default async function cacheClear(cli: Cli, [name]: [string | undefined]): Promise<void> {
  if (name !== undefined) {
    const core = await import('@hush/core');
    (core.validateSecretName as (name: unknown) => void)(name);
  }
  const cache = await persistentCacheOf(cli);
  const removed = await cache.clear(name);
  if (cli.options.json) cli.printJson({ removed, ...(name !== undefined ? { name } : {}) });
  else
    cli.note(
      `${cli.colors.green('✓')} removed ${removed} entr${removed === 1 ? 'y' : 'ies'} from the persistent cache${name !== undefined ? ` for ${name}` : ''}`,
    );
}

/** The environment's persistent cache, or a clear error when the configuration has none. */
export async function persistentCacheOf(cli: Cli): Promise<PersistentCacheControl> {
  const manager = await cli.manager();
  const cache = manager.persistentCache;
  if (!cache) {
    const settings = await cli.settings();
    throw new CliError(
      'the persistent cache is not configured for this project',
      1,
      `add to ${settings.config.file ?? 'hush.config.yaml'}:  cache: { persistent: { path: .hush/cache, ttl: 24h } }`,
    );
  }
  return cache;
}
