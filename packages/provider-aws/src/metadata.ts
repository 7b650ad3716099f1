import type { DecodedTags } from './mapping.js';

export interface KnownMetadata {
  tags: DecodedTags;
  createdAt?: Date;
  updatedAt?: Date;
}

interface Entry extends KnownMetadata {
  until: number;
}

/**
 * What this provider last saw of each secret's tags (and so its expiry, scope and metadata):
 * from its own writes, ListSecrets pages and DescribeSecret, kept for its own TTL, longer than
 * the manager's cache. It lets a plain read be one GetSecretValue and still carry tags.
 */
export class MetadataCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(awsName: string): KnownMetadata | undefined {
    const entry = this.#entries.get(awsName);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.#entries.delete(awsName);
      return undefined;
    }
    return entry;
  }

  set(awsName: string, metadata: KnownMetadata): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(awsName);
    this.#entries.set(awsName, { ...metadata, until: this.now() + this.ttlMs });
    // Oldest first: a Map keeps insertion order.
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Merges tags a write added into what is known, or forgets the secret when nothing was. */
  merge(awsName: string, update: DecodedTags, clearsExpiry: boolean): void {
    const known = this.get(awsName);
    if (!known) return;
    const tags: DecodedTags = {
      tags: { ...known.tags.tags, ...update.tags },
      metadata: { ...known.tags.metadata, ...update.metadata },
    };
    const expiresAt = update.expiresAt ?? (clearsExpiry ? undefined : known.tags.expiresAt);
    if (expiresAt) tags.expiresAt = expiresAt;
    const scope = update.scope ?? known.tags.scope;
    if (scope !== undefined) tags.scope = scope;
    this.set(awsName, { ...known, tags, updatedAt: new Date(this.now()) });
  }

  delete(awsName: string): void {
    this.#entries.delete(awsName);
  }
}
