import { describe, expect, it } from 'vitest';
import { ProviderUnavailableError, SecretManager, type SecretProvider } from '../src/index.js';

/** A provider whose reads never answer on their own: only an abort ends them. */
function hanging(): SecretProvider & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    name: 'hanging',
    kind: 'test',
    capabilities: {
      write: false,
      delete: false,
      list: false,
      versions: false,
      tags: false,
      expiry: false,
      batchGet: false,
    },
    signals,
    get(_key, options = {}) {
      if (options.abortSignal) signals.push(options.abortSignal);
      return new Promise((_, reject) =>
        options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal!.reason)),
      );
    },
  };
}

describe('calls can be cancelled', () => {
  it('aborts the provider call when its timeout passes', async () => {
    const provider = hanging();
    const manager = new SecretManager({ providers: [{ provider, timeout: 20 }] });
    await expect(manager.getSecret('k')).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.signals).toHaveLength(1);
    expect(provider.signals[0]!.aborted).toBe(true);
  });

  it('aborts every call in flight on dispose', async () => {
    const provider = hanging();
    const manager = new SecretManager({ providers: [provider] });
    const read = manager.getSecret('k').catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    await manager.dispose();
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(await read).toBeInstanceOf(Error);
  });
});
