import type { SecretInfo } from './secret.js';

// What a manager plugin sees of each operation (never a value), and the plugin's hooks.

export type Operation =
  | 'get'
  | 'getMany'
  | 'set'
  | 'delete'
  | 'list'
  | 'rotate'
  | 'getVersion'
  | 'listVersions'
  | 'rollback'
  | 'resolve';

/** What a plugin's `before` hook sees. Never a value. */
export interface OperationContext {
  requestId: string;
  operation: Operation;
  key?: string;
  /** Pinned or target provider, when known before the call. */
  provider?: string;
  accessor?: string;
  scope?: string;
  version?: string;
  pattern?: string;
}

/**
 * What a successful write changed, on the after-event of set, rotate, rollback and delete:
 * the metadata an audit store keeps about a secret. Never the value.
 */
export interface SecretChange {
  /** The version the write created or made current (absent for a delete). */
  version?: string;
  /** The expiry of the version now current; null when it has none (a write without one clears it). */
  expiresAt?: Date | null;
  /** The secret's tags after the write, as the provider reported them. */
  tags?: Record<string, string>;
  scope?: string;
  /** When a rotate (or a rollback) made a new value current. */
  rotatedAt?: Date;
  /** The version made current again by a rollback. */
  rolledBackTo?: string;
  /** True after a delete. */
  deleted?: boolean;
  /** A delete that left no recoverable copy. */
  permanent?: boolean;
}

/** What a plugin's `after` hook sees. Never a value. */
export interface OperationEvent extends OperationContext {
  outcome: 'success' | 'not_found' | 'denied' | 'error';
  /** `outcome === 'success'`: a read that found nothing, a denial and an error are all `false`. */
  success: boolean;
  errorCode?: string;
  durationMs: number;
  timestamp: Date;
  /** True when the cache answered. */
  cached?: boolean;
  /** On a successful set, rotate, rollback or delete: what it changed. */
  change?: SecretChange;
}

/**
 * A cross-cutting manager plugin (audit, access control, metrics export).
 * `before` may deny by throwing (usually `AccessDeniedError`); `after` sees every outcome.
 * An error thrown by `after` fails the operation (audit's fail-closed mode relies on it).
 */
export interface ManagerPlugin {
  name: string;
  before?(context: OperationContext): void | Promise<void>;
  /**
   * Called before a read hands out a secret that the provider serves under another name than
   * the one asked for (`secret.canonicalName`, e.g. the variable an alias maps to). May deny
   * by throwing, as `before` does, so that an alias cannot widen a grant.
   */
  beforeServe?(context: OperationContext, served: SecretInfo): void | Promise<void>;
  after?(event: OperationEvent): void | Promise<void>;
  /** Narrows list results (access control lists only what an accessor may read). */
  filterList?(context: OperationContext, secrets: SecretInfo[]): SecretInfo[] | Promise<SecretInfo[]>;
  metrics?(): Record<string, number>;
  dispose?(): Promise<void>;
}
