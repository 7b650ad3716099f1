import type { HealthStatus, SecretMetrics } from './reports.js';
import type { Secret, SecretInfo, SecretVersion } from './secret.js';

/** Tags as every cloud models them, or a list of words (`tags: ['production']`). */
export type Tags = Record<string, string> | string[];

/** A duration as milliseconds or text: `'500ms'`, `'30s'`, `'5m'`, `'12h'`, `'90d'`, `'2w'`, `'1y'`. */
export type Duration = number | string;

export interface GetSecretOptions {
  /** Throw `SecretNotFoundError` instead of returning null. */
  required?: boolean;
  version?: string | number;
  /** Pin one provider by name; no failover. */
  provider?: string;
  /** One field of a JSON secret (also written `name#field`). */
  field?: string;
  /** Who asks; recorded by audit and checked by access control. */
  accessor?: string;
  scope?: string;
  /** Skip the cache for this read. */
  fresh?: boolean;
  /**
   * Read the version a rotation replaced, while its grace period (`keepPrevious`) lasts; null
   * (or `SecretNotFoundError` with `required`) once it is over or when no rotation kept one.
   * Also written `${secret:name@previous}` in templates.
   */
  previous?: boolean;
}

export interface SetSecretOptions {
  provider?: string;
  scope?: string;
  /** Key/value tags; a list of words (`['production']`) is taken as tags with empty values. */
  tags?: Tags;
  /** `'90d'` from now, an ISO timestamp, or a Date. */
  expiresAt?: Duration | Date;
  actor?: string;
  metadata?: Record<string, string>;
  /** Write only if the current version is this one (`'0'`: must not exist). */
  expectedVersion?: string;
}

export type GeneratorSpec =
  | { type: 'random'; length?: number; alphabet?: string }
  | { type: 'uuid' }
  /** Text form: `'random:32'`, `'random:24:hex'`, `'uuid'`. */
  | string;

export interface RotateSecretOptions {
  newValue?: string;
  /** Used when no newValue is given; defaults to `random:32`. */
  generator?: GeneratorSpec;
  actor?: string;
  /** Stop serving older versions once the new one is written. */
  expireOldVersion?: boolean;
  /**
   * Expiry of the new version: `'90d'` from now, an ISO timestamp, or a Date. Without it, a secret
   * whose current version expires gets a new period of the same length (from its write to its expiry).
   */
  expiresAt?: Duration | Date;
  provider?: string;
  scope?: string;
  /**
   * Rotate only if the current version is this one, compare-and-set in the backend (a CAS write
   * on Vault, a version-stage check on AWS): how two rotators of one secret never both rotate
   * it. A mismatch is a `VersionConflictError`.
   */
  expectedVersion?: string;
  /**
   * Keep the replaced version readable for this long (`'1h'`) through `getSecret(name,
   * { previous: true })`, so that applications can accept both during the switch. Needs a
   * provider with versions and tags; cannot go with `expireOldVersion`.
   */
  keepPrevious?: Duration;
}

export interface DeleteSecretOptions {
  provider?: string;
  actor?: string;
  scope?: string;
  permanent?: boolean;
}

export interface ListSecretsOptions {
  prefix?: string;
  /** Glob over names: `*` within a segment, `**` across `/`, `?` one character. */
  pattern?: string;
  scope?: string;
  /** Every tag given must match; a list of words only asks that those tags are present. */
  tags?: Tags;
  provider?: string;
  includeExpired?: boolean;
  accessor?: string;
  /** Lists are never cached, so every list is fresh; taken for symmetry with `get`'s `fresh`. */
  fresh?: boolean;
}

export interface VersionOptions {
  provider?: string;
  accessor?: string;
  actor?: string;
  scope?: string;
  /**
   * rollbackSecret only: expiry of the restored value, as for `rotateSecret`. Without it, a secret
   * whose current version expires gets a new period of the same length.
   */
  expiresAt?: Duration | Date;
}

export interface ResolveOptions {
  accessor?: string;
  provider?: string;
  scope?: string;
  /**
   * Use a reference's default also when providers failed and none had the secret (an outage),
   * not only when they answered that it does not exist. Off by default: an outage is then a
   * `ProviderUnavailableError` naming each reference and its path.
   */
  defaultsOnOutage?: boolean;
}

export interface ISecretManager {
  initialize(): Promise<void>;
  /** With `required: true` a missing secret throws `SecretNotFoundError`, so the result is a `Secret`. */
  getSecret(key: string, options: GetSecretOptions & { required: true }): Promise<Secret>;
  /** The secret, or null when no provider has it. */
  getSecret(key: string, options?: GetSecretOptions): Promise<Secret | null>;
  /** Many reads at once; uses batch get where a provider has it. Missing keys map to null. */
  getSecrets(
    keys: string[],
    options?: Omit<GetSecretOptions, 'version' | 'field' | 'previous'>,
  ): Promise<Map<string, Secret | null>>;
  setSecret(key: string, value: string, options?: SetSecretOptions): Promise<SecretInfo>;
  deleteSecret(key: string, options?: DeleteSecretOptions): Promise<void>;
  listSecrets(options?: string | ListSecretsOptions): Promise<SecretInfo[]>;
  rotateSecret(key: string, options?: string | RotateSecretOptions): Promise<SecretInfo>;
  getSecretVersion(key: string, version: string | number, options?: VersionOptions): Promise<Secret>;
  getSecretVersions(key: string, options?: VersionOptions): Promise<SecretVersion[]>;
  rollbackSecret(key: string, version: string | number, options?: VersionOptions): Promise<SecretInfo>;
  /** Replaces `${secret:...}` references in any string, object or array. */
  resolve<T>(value: T, options?: ResolveOptions): Promise<T>;
  healthCheck(): Promise<HealthStatus>;
  getMetrics(): Promise<SecretMetrics>;
  dispose(): Promise<void>;
}
