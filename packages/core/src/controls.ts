// What `manager.persistentCache` and `manager.leases` offer: looks at what the manager holds, never a value.

/** One entry of the persistent tier as `hush cache status` shows it: never a value. */
export interface PersistentCacheEntryStatus {
  name: string;
  /** The version the entry holds. */
  version: string;
  /** Set for a read of a fixed version. */
  pinnedVersion?: string;
  /** Set for a read pinned to one provider. */
  pin?: string;
  /** The provider that served it (absent when the entry does not open). */
  provider?: string;
  fetchedAt: Date;
  ageMs: number;
  /** Older than the maximum age: kept on disk until cleared or rewritten, never served. */
  expired: boolean;
  /** The entry opens under this machine's key. */
  valid: boolean;
}

/** What `SecretManager.persistentCache` offers: a look at the entries, and clearing them. */
export interface PersistentCacheControl {
  status(): Promise<PersistentCacheStatus>;
  /** Drops every entry, or one secret's; resolves to how many entries went. */
  clear(name?: string): Promise<number>;
}

export interface PersistentCacheStatus {
  /** The folder of this environment's entries. */
  path?: string;
  maxAgeMs: number;
  entries: PersistentCacheEntryStatus[];
  /** Files and entries found tampered with (or cut short) by this manager so far. */
  tampered: number;
}

/** A leased secret the manager holds, as `manager.leases.list()` describes it. */
export interface HeldLease {
  name: string;
  provider: string;
  leaseId: string;
  expiresAt: Date;
  renewable: boolean;
  /** Successful renewals of this lease. */
  renewals: number;
  /** When the manager will act next: renew, or fetch a new credential. */
  nextActionAt?: Date;
}

/** What `manager.leases` offers: the leased values the manager holds. */
export interface LeaseControl {
  /** The held leases (no values). */
  list(): HeldLease[];
  /** Renews a held lease now, by secret name or lease id; undefined when none is held. */
  renew(nameOrId: string): Promise<HeldLease | undefined>;
  /** Revokes a held lease at its backend; the next read fetches a new credential. */
  revoke(nameOrId: string): Promise<boolean>;
  /** Resolves when no background renewal or replacement is in flight. */
  idle(): Promise<void>;
}
