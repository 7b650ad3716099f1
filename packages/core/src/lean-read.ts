import type { ManagerParts } from './manager-parts.js';
import { readSecret } from './manager-reads.js';
import { monotonicMs } from './monotonic.js';
import type { Secret } from './secret.js';
import type { ProviderSlot } from './slot.js';
import type { GetSecretOptions } from './types.js';

/**
 * A plain, untraced read with no plugin, asked of the provider `ReadPath.leanSlot` chose (one
 * whose answers are never cached, so the read path would only pass the call through it). A found
 * value is counted, masked and kept as the read path would; any other answer (not found, a
 * failure, a lease) goes on down the full path from the next provider, which then fails over,
 * serves a stale or persistent copy, and throws, masked, exactly as it does for any read.
 */
export async function leanRead(
  parts: ManagerParts,
  name: string,
  slot: ProviderSlot,
  options: GetSecretOptions,
): Promise<Secret | null> {
  const started = monotonicMs();
  const generation = parts.cache.generation(name);
  let secret: Secret | null;
  try {
    secret = await slot.call((abortSignal) => slot.provider.get(name, { abortSignal }), 'get');
  } catch (thrown) {
    return readSecret(parts, name, options, { slot, error: { thrown } }, started);
  }
  if (secret === null || secret.lease) return readSecret(parts, name, options, { slot, secret }, started);
  slot.markSuccess();
  parts.reads.served(name, secret, generation);
  parts.metrics.operation('get', monotonicMs() - started, false);
  return secret;
}
