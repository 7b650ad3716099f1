import type { Permission, PermissionGrant, Scope } from './types.js';

/**
 * One attempted change to the grants: what `onChange` and an `audit` sink receive. Carries names
 * only (targets, accessors, permissions), never a secret value: grants never see one.
 *
 * `@hush/audit-sqlite`'s `AuditLog.recordPermissionChange` accepts this shape without either
 * package importing the other, so `new SecretAccessControl({ audit: auditLog })` records every
 * grant and revoke in `secret_access_log`.
 */
export interface PermissionChange {
  operation: 'grant' | 'revoke';
  /** The grant's target: a secret name or a glob pattern. */
  secretOrPattern: string;
  /** Who receives (grant) or loses (revoke) the permission. */
  accessor: string;
  /** Absent on a revoke of every permission. */
  permission?: Permission;
  /** Absent on a revoke in every scope. */
  scope?: Scope;
  /** Who made the change; absent on the trusted path (a call without an actor). */
  actor?: string;
  /** `not_found`: a revoke that matched no grant. `denied`: the actor lacks admin. */
  outcome: 'success' | 'not_found' | 'denied' | 'error';
  /** The error's code when the outcome is `denied` or `error` (`ACCESS_DENIED`, ...). */
  errorCode?: string;
  /** A grant's expiry. */
  expiresAt?: Date;
  /** How many stored grants a revoke removed. */
  removed?: number;
  timestamp: Date;
  durationMs: number;
}

/** Receives permission changes; `AuditLog` from `@hush/audit-sqlite` is one. */
export interface PermissionChangeSink {
  recordPermissionChange(change: PermissionChange): void | Promise<void>;
}

/** Change fields known before the change runs; the outcome and timing are added after. */
export type PlannedChange = Omit<PermissionChange, 'outcome' | 'errorCode' | 'timestamp' | 'durationMs'>;

export function failureOutcome(error: unknown): Pick<PermissionChange, 'outcome' | 'errorCode'> {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    outcome: code === 'ACCESS_DENIED' ? 'denied' : 'error',
    errorCode: typeof code === 'string' ? code : 'ERROR',
  };
}

/**
 * Reports attempted grants and revokes to `onChange` and an audit sink, once their outcome is known.
 */
export class ChangeReporter {
  readonly #onChange?: (change: PermissionChange) => void | Promise<void>;
  readonly #audit?: PermissionChangeSink;
  readonly #now: () => Date;

  constructor(options: {
    onChange?: (change: PermissionChange) => void | Promise<void>;
    audit?: PermissionChangeSink;
    now: () => Date;
  }) {
    this.#onChange = options.onChange;
    this.#audit = options.audit;
    this.#now = options.now;
  }

  get reporting(): boolean {
    return this.#onChange !== undefined || this.#audit !== undefined;
  }

  /**
   * Runs a change, then reports each planned change with the outcome. A failed change is reported
   * and its own error thrown (a report failing then is not thrown over it); a report that fails
   * after a successful change fails the call, as a fail-closed audit log fails manager operations.
   */
  async audited<T>(
    planned: PlannedChange[],
    run: () => Promise<T>,
    settle: (result: T) => Pick<PermissionChange, 'outcome' | 'removed'> = () => ({ outcome: 'success' }),
  ): Promise<T> {
    if (!this.reporting || planned.length === 0) return run();
    const started = performance.now();
    const finish = (
      result: Pick<PermissionChange, 'outcome' | 'errorCode' | 'removed'>,
    ): PermissionChange[] => {
      const timestamp = this.#now();
      const durationMs = performance.now() - started;
      return planned.map((change) => ({ ...change, ...result, timestamp, durationMs }));
    };
    let result: T;
    try {
      result = await run();
    } catch (error) {
      await this.#report(finish(failureOutcome(error))).catch(() => undefined);
      throw error;
    }
    await this.#report(finish(settle(result)));
    return result;
  }

  /** Hands every change to both receivers at once, so a fail-closed audit log commits them together. */
  async #report(changes: PermissionChange[]): Promise<void> {
    const calls: Array<void | Promise<void>> = [];
    for (const change of changes) {
      if (this.#onChange) calls.push(invoke(() => this.#onChange?.({ ...change })));
      if (this.#audit) calls.push(invoke(() => this.#audit?.recordPermissionChange({ ...change })));
    }
    await Promise.all(calls);
  }
}

/** Calls a receiver; a synchronous throw becomes a rejection. */
function invoke(call: () => void | Promise<void>): Promise<void> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

export function plannedGrant(grant: PermissionGrant, actor: string | undefined): PlannedChange {
  return {
    operation: 'grant',
    secretOrPattern: grant.secret,
    accessor: grant.accessor,
    permission: grant.permission,
    scope: grant.scope,
    ...(actor !== undefined ? { actor } : {}),
    ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
  };
}

export function plannedRevoke(grant: PermissionGrant, actor?: string): PlannedChange {
  return {
    operation: 'revoke',
    secretOrPattern: grant.secret,
    accessor: grant.accessor,
    permission: grant.permission,
    scope: grant.scope,
    ...(actor !== undefined ? { actor } : {}),
  };
}
