import { inspect } from 'node:util';

/**
 * The lease a backend grants with a dynamic secret (a database credential): the value is good
 * until `expiresAt`, and a renewable lease can be extended. The id is no secret: it names the
 * lease to renew or revoke it.
 */
export interface SecretLease {
  id: string;
  /** Seconds the backend granted (the last renewal's). */
  durationSeconds: number;
  renewable: boolean;
  /** When the value stops working unless the lease is renewed. */
  expiresAt: Date;
}

/** Descriptive fields of a secret: everything but its value. Safe to log and serialise. */
export interface SecretInfo {
  key: string;
  /**
   * The same as `key` (`secret.name`): set on
   * every secret and entry the manager returns (reads, listings, write results). A provider need
   * not set it.
   */
  name?: string;
  version: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt?: Date;
  /**
   * The secret's own descriptive fields. On what the manager returns, `metadata.version` also
   * reads the version (as `version` does), without being one of these fields: it is not
   * enumerable, so it is neither serialised nor copied into a write. Metadata of its own named
   * `version` wins.
   */
  metadata: Record<string, string>;
  tags: Record<string, string>;
  /** Name of the provider that holds or served this secret. */
  provider: string;
  /** Isolation scope (global, plugin, agent, user) where the provider records one. */
  scope?: string;
  /** True when the secret holds no value any more (deleted or destroyed version). */
  deleted?: boolean;
  /**
   * The provider's own name for what it served, when it maps several names to one secret
   * (`DB_PASSWORD` for `db/password`). Access control decides on this name as well.
   */
  canonicalName?: string;
  /** Set when the value is a dynamic credential under a lease. */
  lease?: SecretLease;
}

/** One secret with its value. The value is readable only through `secret.value`. */
export interface Secret extends SecretInfo {
  /** The same as `key`. */
  readonly name: string;
  readonly value: string;
  /** The descriptive fields as a plain object, without the value. */
  toInfo(): NamedSecretInfo;
}

/** A version in a secret's history (no value). */
export interface SecretVersion {
  version: string;
  createdAt: Date;
  expiresAt?: Date;
  /** The version the provider currently serves by default. */
  current: boolean;
  /** Disabled, soft-deleted or destroyed versions cannot be read. */
  state: 'enabled' | 'disabled' | 'deleted' | 'destroyed';
  /** Provider labels for the version, e.g. AWS staging labels. */
  labels?: string[];
}

/** A `SecretInfo` as the manager returns it: with its `name` (the same as `key`). */
export type NamedSecretInfo = SecretInfo & { name: string };

export interface SecretInit
  extends Omit<SecretInfo, 'name' | 'metadata' | 'tags' | 'createdAt' | 'updatedAt'> {
  value: string;
  createdAt?: Date;
  updatedAt?: Date;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
}

const REDACTED = '[REDACTED]';

class SecretRecord implements Secret {
  readonly #value: string;
  key: string;
  version: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt?: Date;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  provider: string;
  scope?: string;
  deleted?: boolean;
  canonicalName?: string;
  lease?: SecretLease;

  constructor(init: SecretInit) {
    this.#value = init.value;
    this.key = init.key;
    this.version = init.version;
    const now = new Date();
    this.createdAt = init.createdAt ?? now;
    this.updatedAt = init.updatedAt ?? this.createdAt;
    if (init.expiresAt) this.expiresAt = init.expiresAt;
    this.metadata = withReadableVersion({ ...(init.metadata ?? {}) }, init.version);
    this.tags = { ...(init.tags ?? {}) };
    this.provider = init.provider;
    if (init.scope !== undefined) this.scope = init.scope;
    if (init.deleted !== undefined) this.deleted = init.deleted;
    if (init.canonicalName !== undefined) this.canonicalName = init.canonicalName;
    if (init.lease) this.lease = { ...init.lease };
  }

  get name(): string {
    return this.key;
  }

  get value(): string {
    return this.#value;
  }

  toInfo(): NamedSecretInfo {
    const info: NamedSecretInfo = {
      key: this.key,
      name: this.key,
      version: this.version,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      metadata: withReadableVersion({ ...this.metadata }, this.version),
      tags: { ...this.tags },
      provider: this.provider,
    };
    if (this.expiresAt) info.expiresAt = this.expiresAt;
    if (this.scope !== undefined) info.scope = this.scope;
    if (this.deleted !== undefined) info.deleted = this.deleted;
    if (this.canonicalName !== undefined) info.canonicalName = this.canonicalName;
    if (this.lease) info.lease = { ...this.lease };
    return info;
  }

  toJSON(): Record<string, unknown> {
    return { ...this.toInfo(), value: REDACTED };
  }

  toString(): string {
    return `Secret(${this.key}@${this.version}: ${REDACTED})`;
  }

  [inspect.custom](): string {
    return `Secret ${inspect({ ...this.toInfo(), value: REDACTED })}`;
  }
}

/** Builds a `Secret` whose value never shows in JSON.stringify, util.inspect or String(). */
export function createSecret(init: SecretInit): Secret {
  return new SecretRecord(init);
}

/**
 * Makes `metadata.version` read `version` (unless the metadata has a `version` of its own), as
 * a property that is not enumerable: JSON, spreads and `Object.keys` do not see it.
 */
function withReadableVersion(metadata: Record<string, string>, version: string): Record<string, string> {
  if (!Object.hasOwn(metadata, 'version'))
    Object.defineProperty(metadata, 'version', { value: version, enumerable: false, configurable: true });
  return metadata;
}

/** An entry as the manager hands it out: with `name`, and `metadata.version` readable. A copy. */
export function namedInfo(info: SecretInfo): NamedSecretInfo {
  const named = ownCopy(info) as NamedSecretInfo;
  named.name = info.key;
  named.metadata = withReadableVersion(ownCopy(info.metadata), info.version);
  return named;
}

/**
 * The copy a spread makes (own enumerable properties, in order). `Object.assign` makes it several
 * times faster, which a listing of 10,000 entries feels; it would set the prototype for an own
 * `__proto__` key, so such an object (metadata read from a file may have one) is spread instead.
 */
function ownCopy<T extends object>(source: T): T {
  return Object.hasOwn(source, '__proto__') ? { ...source } : Object.assign({}, source);
}

/** True when the secret has an expiry in the past. */
export function isExpired(info: Pick<SecretInfo, 'expiresAt'>, now = Date.now()): boolean {
  return info.expiresAt !== undefined && info.expiresAt.getTime() <= now;
}
