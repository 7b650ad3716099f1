import type { Secret, SecretInfo, SecretLease, SecretVersion } from './secret.js';

/**
 * What a provider can do. The manager refuses an operation a provider lacks with an
 * `UnsupportedOperationError` instead of quietly doing something else.
 */
export interface ProviderCapabilities {
  /** setSecret, rotateSecret, rollbackSecret. False for read-only providers such as `env`. */
  write: boolean;
  delete: boolean;
  list: boolean;
  /** Keeps a history of versions that can be listed and read. */
  versions: boolean;
  tags: boolean;
  expiry: boolean;
  /** Implements `getMany` with fewer backend calls than one per key. */
  batchGet: boolean;
}

export const READ_ONLY_CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: false,
  delete: false,
  list: true,
  versions: false,
  tags: false,
  expiry: false,
  batchGet: false,
});

/**
 * What every provider call takes. The manager aborts the signal when the call's timeout passes
 * and when it is disposed; a provider hands it to its SDK so that the request itself stops.
 */
export interface ProviderCallOptions {
  abortSignal?: AbortSignal;
}

export interface ProviderGetOptions extends ProviderCallOptions {
  /** Read this version instead of the current one. */
  version?: string;
}

export interface ProviderSetOptions extends ProviderCallOptions {
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  expiresAt?: Date;
  scope?: string;
  /**
   * Optimistic concurrency: the write succeeds only if the current version is this one
   * (`'0'` means "the secret must not exist yet"). A mismatch is a `VersionConflictError`.
   */
  expectedVersion?: string;
  /** Set by rotateSecret with expireOldVersion: the versions before the new one should stop being served. */
  expirePreviousVersions?: boolean;
}

export interface ProviderDeleteOptions extends ProviderCallOptions {
  /** Remove permanently where the backend otherwise keeps a recoverable copy. */
  permanent?: boolean;
}

export interface ProviderListOptions extends ProviderCallOptions {
  /** Only names starting with this prefix. Providers should push it to the backend when they can. */
  prefix?: string;
}

export interface LeaseRenewOptions extends ProviderCallOptions {
  /** Seconds asked for; the backend may grant less (a maximum TTL). Default: its own default. */
  incrementSeconds?: number;
}

export interface LeaseListOptions extends ProviderCallOptions {
  /** Only leases whose id starts with this. */
  prefix?: string;
}

/** A lease as the backend describes it (`hush lease list`). */
export interface LeaseDescription {
  id: string;
  issuedAt?: Date;
  expiresAt: Date;
  renewable: boolean;
  /** Seconds left. */
  ttlSeconds: number;
}

/**
 * How External Secrets Operator reaches a backend and each name in it (`hush export --format
 * external-secret`). Never a credential: authentication refers to what the cluster holds.
 */
export interface ExternalSecretsBackend {
  /** A SecretStore's `spec.provider` (`{ vault: {...} }`, `{ aws: {...} }`, ...). */
  provider: Record<string, unknown>;
  /** An ExternalSecret's `remoteRef` for a name: the backend's key and, for one field of a map, its property. */
  remoteRef(name: string): { key: string; property?: string };
}

export interface ProviderHealth {
  status: 'healthy' | 'degraded' | 'unhealthy';
  message?: string;
  details?: Record<string, string | number | boolean>;
}

/**
 * The contract every backend meets. Small on purpose: caching, failover, masking,
 * references, access control and audit live in the manager.
 *
 * Conventions:
 * - `get` returns `null` when the secret (or the asked version) does not exist, and a
 *   `Secret` with an empty value when it exists and is empty. It throws only for failures.
 * - Outages (refused connection, timeout, 5xx, throttling after retries) are reported as
 *   `ProviderUnavailableError` so that the manager fails over; permission problems as
 *   `AccessDeniedError`; invalid names as `InvalidSecretNameError`.
 * - No error message contains a secret value.
 * - In `set`, tags and metadata left out stay as they are (a rotation keeps its tags).
 */
export interface SecretProvider {
  /** Instance name used in configuration, pins and errors (`local`, `vault-prod`). */
  readonly name: string;
  /** Plugin kind (`local`, `env`, `vault`, ...). */
  readonly kind: string;
  /**
   * Other names this provider answers to in pins, listings and `defaultWriteProvider`
   * (`azure-kv` for the Azure provider): a name a provider is called by elsewhere. The
   * provider's own name always wins, and an alias two providers claim names neither.
   */
  readonly aliases?: readonly string[];
  readonly capabilities: ProviderCapabilities;
  /**
   * True when the provider reads this machine only (a file, the process environment), never the
   * network: offline mode still asks it, and the persistent cache never keeps what it serves.
   */
  readonly offline?: boolean;
  /**
   * How long values this provider serves stay fresh in the manager's cache, when it differs
   * from the manager's `cache.ttl` (the Azure provider's option). A registration's `cacheTtl` wins.
   */
  readonly cacheTtlSeconds?: number;

  /** Connects, logs in, loads keys. May be called more than once: it must be idempotent. */
  initialize?(options?: ProviderCallOptions): Promise<void>;
  /**
   * The secret, or null. When the backend maps several names to one stored secret (an
   * environment provider's `db/password`, `DB_PASSWORD`), the Secret's `canonicalName` says
   * which one is served, so that access control decides on it.
   */
  get(key: string, options?: ProviderGetOptions): Promise<Secret | null>;
  /** Batch read; required when `capabilities.batchGet`. Missing keys map to `null`. */
  getMany?(keys: string[], options?: ProviderCallOptions): Promise<Map<string, Secret | null>>;
  /** Writes a new version and returns its description. */
  set?(key: string, value: string, options?: ProviderSetOptions): Promise<SecretInfo>;
  /** Returns false when there was nothing to delete. */
  delete?(key: string, options?: ProviderDeleteOptions): Promise<boolean>;
  list?(options?: ProviderListOptions): Promise<SecretInfo[]>;
  listVersions?(key: string, options?: ProviderCallOptions): Promise<SecretVersion[]>;
  /**
   * Makes an older version current. Optional: without it the manager reads the old version
   * and writes its value as a new version.
   */
  rollback?(key: string, version: string, options?: ProviderCallOptions): Promise<SecretInfo>;
  health?(options?: ProviderCallOptions): Promise<ProviderHealth>;
  /**
   * Extends a lease this provider granted (a Secret's `lease`); answers the lease as renewed.
   * A refusal (unknown, expired or non-renewable lease) is a definitive error; an outage a
   * `ProviderUnavailableError`. Required when `get` returns leased secrets.
   */
  renewLease?(lease: SecretLease, options?: LeaseRenewOptions): Promise<SecretLease>;
  /** Ends a lease now; revoking one that is gone is not an error. */
  revokeLease?(leaseId: string, options?: ProviderCallOptions): Promise<void>;
  /**
   * Ends every lease under a path prefix now (`database/creds/app`: each lease of that role), or
   * the one lease the prefix names exactly; may need elevated rights. A prefix that matches
   * nothing is not an error.
   */
  revokeLeasePrefix?(prefix: string, options?: ProviderCallOptions): Promise<void>;
  /** The backend's leases (for operators); may need elevated rights. */
  listLeases?(options?: LeaseListOptions): Promise<LeaseDescription[]>;
  /**
   * Stores an access policy at the backend (`hush policy set`): Vault's ACL policies by name;
   * for AWS, the resource policy of the secret `name`. A document the backend cannot parse or
   * accept is refused with a `ValidationError` that says where and why.
   */
  putPolicy?(name: string, document: string, options?: ProviderCallOptions): Promise<void>;
  /** A policy's document; null when there is none. */
  getPolicy?(name: string, options?: ProviderCallOptions): Promise<string | null>;
  /** The names of the stored policies. */
  listPolicies?(options?: ProviderCallOptions): Promise<string[]>;
  /** Removes a policy; false when there was none. */
  deletePolicy?(name: string, options?: ProviderCallOptions): Promise<boolean>;
  /** A policy document that lets its holder read the names under `prefix` (`hush setup-app`). */
  readPolicyFor?(prefix: string): string;
  /** How External Secrets Operator reaches this backend; absent where it cannot. */
  externalSecrets?(): Promise<ExternalSecretsBackend>;
  /** Extra counters for the manager's metrics (e.g. `throttled`, `retries`). */
  metrics?(): Record<string, number>;
  dispose?(): Promise<void>;
}

/** What the kernel hands a plugin's `create`. */
export interface ProviderContext {
  /** The instance name from configuration. */
  name: string;
  /** The application's root directory; relative paths in options are resolved from it. */
  root: string;
  /** The environment to read bootstrap values from (defaults to process.env). */
  env: Record<string, string | undefined>;
}

/** A provider package's default export. */
export interface ProviderPlugin<Options = Record<string, unknown>> {
  kind: string;
  create(options: Options, context: ProviderContext): SecretProvider | Promise<SecretProvider>;
}

export function defineProviderPlugin<Options>(plugin: ProviderPlugin<Options>): ProviderPlugin<Options> {
  return plugin;
}
