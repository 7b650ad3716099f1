import {
  type LeaseDescription,
  type LeaseListOptions,
  type LeaseRenewOptions,
  matchesGlob,
  type Secret,
  type SecretLease,
  UnsupportedOperationError,
} from '@hush/core';
import type nodeVault from 'node-vault';
import { type LeasedResponse, toLease, toLeaseDescription, toLeasedSecret, trimSlashes } from './mapping.js';

/** How the provider runs one Vault call (authenticated, retried, errors mapped). */
export type VaultCall = <T>(
  operation: string,
  key: string | undefined,
  call: () => Promise<unknown>,
  behaviour?: { notFound?: T },
) => Promise<T>;

/**
 * Dynamic secrets: names matching one of the `dynamic` patterns are Vault paths read as they are
 * (`database/creds/app`), each read a new credential under a lease, which the provider renews
 * and revokes through `sys/leases`.
 */
export class DynamicPaths {
  constructor(
    private readonly patterns: string[],
    private readonly client: nodeVault.client,
    private readonly call: VaultCall,
    private readonly provider: string,
    private readonly now: () => number,
  ) {}

  /** True for a name that is a dynamic path. */
  matches(key: string): boolean {
    return this.patterns.some((pattern) => matchesGlob(key, pattern));
  }

  /** Refuses an operation a dynamic path cannot take (they are read-only). */
  refuse(operation: string, key: string): never {
    throw new UnsupportedOperationError(
      this.provider,
      operation,
      `vault provider '${this.provider}': '${key}' is a dynamic secret (read-only): ${operation} is not supported`,
    );
  }

  async read(key: string): Promise<Secret | null> {
    const answer = await this.call<LeasedResponse | null>(
      'get',
      key,
      () => this.client.read(trimSlashes(key)),
      {
        notFound: null,
      },
    );
    return answer ? toLeasedSecret(key, answer, this.provider, this.now()) : null;
  }

  async renew(lease: SecretLease, options: LeaseRenewOptions = {}): Promise<SecretLease> {
    const answer = await this.call<LeasedResponse>('renewLease', undefined, () =>
      this.client.write('sys/leases/renew', {
        lease_id: lease.id,
        ...(options.incrementSeconds ? { increment: options.incrementSeconds } : {}),
      }),
    );
    return toLease(answer, this.now()) ?? { ...lease };
  }

  async revoke(leaseId: string): Promise<void> {
    await this.call('revokeLease', undefined, () =>
      this.client.write('sys/leases/revoke', { lease_id: leaseId }),
    );
  }

  /** The leases under a prefix (default: what the dynamic patterns start with); needs `sudo`. */
  async list(options: LeaseListOptions = {}): Promise<LeaseDescription[]> {
    const prefixes =
      options.prefix !== undefined ? [options.prefix] : [...new Set(this.patterns.map(literalPrefix))];
    const ids: string[] = [];
    const folders = prefixes.map((p) =>
      p === '' || p.endsWith('/') ? p : p.slice(0, p.lastIndexOf('/') + 1),
    );
    while (folders.length > 0) {
      const folder = folders.shift()!;
      const answer = await this.call<{ data?: { keys?: unknown[] } } | null>(
        'listLeases',
        undefined,
        () => this.client.list(`sys/leases/lookup/${folder}`),
        { notFound: null },
      );
      for (const entry of (answer?.data?.keys ?? []).map(String)) {
        const full = folder + entry;
        if (entry.endsWith('/')) folders.push(full);
        else if (prefixes.some((p) => full.startsWith(p))) ids.push(full);
      }
    }
    const described: LeaseDescription[] = [];
    for (const id of ids.sort()) {
      const answer = await this.call<{ data?: Record<string, unknown> } | null>(
        'lookupLease',
        undefined,
        () => this.client.write('sys/leases/lookup', { lease_id: id }),
        { notFound: null },
      ).catch(() => null);
      if (answer?.data) described.push(toLeaseDescription(answer.data as never));
    }
    return described;
  }
}

/** The part of a glob before its first wildcard (`database/creds/*` → `database/creds/`). */
function literalPrefix(pattern: string): string {
  const wildcard = pattern.search(/[*?[{]/);
  return wildcard < 0 ? pattern : pattern.slice(0, wildcard);
}
