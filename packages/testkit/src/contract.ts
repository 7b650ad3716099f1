import { randomBytes } from 'node:crypto';
import type { SecretProvider } from '@hush/core';
import { afterAll, beforeAll, describe } from 'vitest';
import type { ContractContext, ProviderUnderTest } from './contract-context.js';
import { describeCancellation, describeListing } from './contract-listing.js';
import { describeBatchReads, describeReading, describeRoundTrips } from './contract-reads.js';
import {
  describeDeleting,
  describeTagsAndExpiry,
  describeVersions,
  describeWriting,
} from './contract-writes.js';

export type ProviderFactory = () => Promise<ProviderUnderTest> | ProviderUnderTest;

export interface ContractOptions {
  /** Size of the large-value round trip (default 64 KiB); lower it for backends with a smaller limit. */
  largeValueBytes?: number;
  /** Secrets created to prove listing pages past the backend's page size (default 150). */
  listCount?: number;
  /** Concurrent writes to distinct keys (default 50). */
  concurrentWrites?: number;
  /** Prefix of every name the suite creates (default a random `contract-<hex>`). */
  prefix?: string;
  /** Per-test timeout in ms (default 60 s). */
  timeout?: number;
}

/**
 * The provider contract: a vitest suite every provider must pass, driven by the capabilities
 * it declares. Names are created under a unique prefix and deleted afterwards where possible,
 * so the suite can run against a shared real server.
 */
export function describeProviderContract(
  name: string,
  factory: ProviderFactory,
  options: ContractOptions = {},
): void {
  const largeValueBytes = options.largeValueBytes ?? 64 * 1024;
  const listCount = options.listCount ?? 150;
  const concurrentWrites = options.concurrentWrites ?? 50;
  const timeout = options.timeout ?? 60_000;
  const prefix = options.prefix ?? `contract-${randomBytes(4).toString('hex')}`;

  describe(`provider contract: ${name}`, () => {
    let subject: ProviderUnderTest;
    let provider: SecretProvider;
    const created = new Set<string>();

    const key = (suffix: string) => `${prefix}/${suffix}`;
    /** Writes through the provider, or plants through `seed` when it is read-only. */
    const put = async (k: string, value: string) => {
      created.add(k);
      if (provider.capabilities.write) return provider.set!(k, value, {});
      if (!subject.seed) throw new Error(`read-only provider '${name}' needs a seed() in its factory`);
      await subject.seed({ [k]: value });
      return undefined;
    };
    const value = async (k: string) => (await provider.get(k))?.value;

    beforeAll(async () => {
      subject = await factory();
      provider = subject.provider;
      await provider.initialize?.();
    }, timeout);

    afterAll(async () => {
      if (provider?.capabilities.delete && provider.delete)
        for (const k of created) await provider.delete(k, { permanent: true }).catch(() => undefined);
      await provider?.dispose?.();
      await subject?.cleanup?.();
    }, timeout * 4);

    const context: ContractContext = {
      get provider() {
        return provider;
      },
      get subject() {
        return subject;
      },
      key,
      put,
      value,
      created,
      timeout,
      largeValueBytes,
      listCount,
      concurrentWrites,
    };

    describeReading(context);
    describeRoundTrips(context);
    describeWriting(context);
    describeVersions(context);
    describeTagsAndExpiry(context);
    describeDeleting(context);
    describeListing(context);
    describeCancellation(context);
    describeBatchReads(context);
  });
}
