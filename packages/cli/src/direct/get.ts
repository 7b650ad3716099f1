import { type Secret, validateSecretName } from '@hush/core';
import { isLocalSecretProvider } from '@hush/provider-local';
import { watchStandardStreams, writeStdout } from '../stdio.js';
import { directProviders } from './chain.js';
import type { DirectSettings } from './settings.js';

/**
 * `hush get NAME` answered by the environment's first provider: the value the full command would
 * print, read without the manager around it. The manager adds a cache, failover and masking, none
 * of which changes a value the first provider finds, and the built-in providers keep no
 * persistent copy. Anything else (not found, an error, a field, a lease) is `false`, and the full
 * command answers, asking the first provider again.
 */
export async function directGet(name: string, settings: DirectSettings): Promise<boolean> {
  if (name.includes('#')) return false;
  validateSecretName(name);
  const chain = await directProviders(settings, 1);
  if (!chain) return false;
  let secret: Secret | null;
  try {
    const first = chain.providers[0]!;
    // A local store is read for this one secret alone, and needs no initialising first: a read
    // that answers has checked the key and the file as `initialize` would, and one that does not
    // goes to the full command. (Another copy of the package may predate getOnce.)
    if (isLocalSecretProvider(first) && typeof first.getOnce === 'function')
      secret = await first.getOnce(name);
    else {
      await chain.start();
      secret = await first.get(name);
    }
  } finally {
    await chain.dispose();
  }
  if (secret === null || secret.lease !== undefined) return false;
  watchStandardStreams();
  writeStdout(`${secret.value}\n`);
  return true;
}
