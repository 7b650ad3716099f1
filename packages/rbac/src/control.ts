import {
  AccessDeniedError,
  type Duration,
  type ManagerPlugin,
  parseExpiry,
  ValidationError,
} from '@hush/core';
import { isMatchAll, isPattern, targetMatches } from './patterns.js';
import { type AccessControlPluginOptions, accessControlPlugin } from './plugin.js';
import {
  isPermission,
  isScope,
  parsePolicy,
  policyFromGrants,
  sortGrants,
  validateAccessor,
  validateTarget,
} from './policy.js';
import { MemoryPermissionStore } from './stores/memory.js';
import {
  PERMISSIONS,
  type Permission,
  type PermissionGrant,
  type PermissionPolicy,
  type PermissionStore,
  SCOPES,
  type Scope,
} from './types.js';

export interface SecretAccessControlOptions {
  /** Where grants live (default: in memory). */
  store?: PermissionStore;
  /**
   * On (the default): an operation is allowed only by a grant or by `defaultPermissions`.
   * Off: every check passes (grants are still kept, and would-be denials are counted).
   */
  enforceAccessControl?: boolean;
  /** Permissions every accessor holds on every secret in every scope without a grant (default none). */
  defaultPermissions?: Permission[];
  /** Accessors that hold admin on everything without a grant: the bootstrap path for a first admin. */
  rootAccessors?: string[];
  /** The accessor checked when a request names none (default `anonymous`). */
  anonymousAccessor?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface GrantOptions {
  /** Default `global`. */
  scope?: Scope;
  /** `'30d'` from now, an ISO timestamp, or a Date. */
  expiresAt?: Duration | Date;
  /** Who grants; must hold admin on the target when given (recorded as `grantedBy`). */
  actor?: string;
  /** Same as `actor` (seed 000's name); `actor` wins when both are given. */
  grantedBy?: string;
}

export interface RevokeOptions {
  /** Only grants in this scope (default: every scope). */
  scope?: Scope;
  /** Who revokes; must hold admin over every grant removed when given. */
  actor?: string;
}

export interface ListPermissionsOptions {
  accessor?: string;
  /** Also list grants whose expiry has passed (default false). */
  includeExpired?: boolean;
}

export interface ImportPermissionsOptions {
  /** `merge` (default) adds or replaces the given grants; `replace` drops every other grant. */
  mode?: 'merge' | 'replace';
  /** Who imports; must hold admin over every grant added (and, for replace, every grant dropped). */
  actor?: string;
}

/** Counters shown through the manager plugin's metrics. */
export interface AccessControlCounters {
  allowed: number;
  denied: number;
  /** Checks that would have been denied while enforcement is off. */
  wouldDeny: number;
}

/**
 * Grants of read, write, delete, rotate and admin on secret names or glob patterns, to accessors,
 * within scopes, optionally expiring. Deny by default when enforced.
 *
 * A grant applies to a request when: its permission is the one asked or `admin`; its target is the
 * secret's name or a pattern matching it; its scope is `global` or the request's scope; it has not
 * expired. A request without a scope is a `global` request.
 */
export class SecretAccessControl {
  readonly store: PermissionStore;
  readonly enforced: boolean;
  readonly defaultPermissions: readonly Permission[];
  readonly counters: AccessControlCounters = { allowed: 0, denied: 0, wouldDeny: 0 };
  readonly #root: ReadonlySet<string>;
  readonly #anonymous: string;
  readonly #now: () => Date;

  constructor(options: SecretAccessControlOptions = {}) {
    this.store = options.store ?? new MemoryPermissionStore();
    this.enforced = options.enforceAccessControl ?? true;
    for (const permission of options.defaultPermissions ?? [])
      if (!isPermission(permission))
        throw new ValidationError(`defaultPermissions: unknown permission '${String(permission)}'`);
    this.defaultPermissions = [...(options.defaultPermissions ?? [])];
    this.#root = new Set(options.rootAccessors ?? []);
    this.#anonymous = options.anonymousAccessor ?? 'anonymous';
    this.#now = options.now ?? (() => new Date());
  }

  async grant(
    secretOrPattern: string,
    accessor: string,
    permission: Permission,
    options: GrantOptions = {},
  ): Promise<PermissionGrant> {
    validateTarget(secretOrPattern);
    validateAccessor(accessor);
    if (!isPermission(permission))
      throw new ValidationError(
        `unknown permission '${String(permission)}': expected one of ${PERMISSIONS.join(', ')}`,
      );
    const scope = options.scope ?? 'global';
    if (!isScope(scope))
      throw new ValidationError(`unknown scope '${String(scope)}': expected one of ${SCOPES.join(', ')}`);
    const now = this.#now();
    const expiresAt =
      options.expiresAt === undefined ? undefined : parseExpiry(options.expiresAt, now.getTime());
    if (expiresAt && expiresAt.getTime() <= now.getTime())
      throw new ValidationError(`expiry ${expiresAt.toISOString()} is already past`);
    const actor = options.actor ?? options.grantedBy;
    if (actor !== undefined) await this.#requireAdmin(actor, [{ secret: secretOrPattern, scope }], 'grant');
    const grant: PermissionGrant = {
      secret: secretOrPattern,
      accessor,
      permission,
      scope,
      grantedAt: now,
      ...(actor !== undefined ? { grantedBy: actor } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    };
    await this.store.put(grant);
    return grant;
  }

  /** Removes grants stored on exactly `secretOrPattern` for `accessor`; returns how many. */
  async revoke(
    secretOrPattern: string,
    accessor: string,
    permission?: Permission,
    options: RevokeOptions = {},
  ): Promise<number> {
    if (permission !== undefined && !isPermission(permission))
      throw new ValidationError(`unknown permission '${String(permission)}'`);
    if (options.scope !== undefined && !isScope(options.scope))
      throw new ValidationError(`unknown scope '${String(options.scope)}'`);
    if (options.actor !== undefined) {
      const targets = (await this.store.list({ secret: secretOrPattern, accessor })).filter(
        (g) =>
          (permission === undefined || g.permission === permission) &&
          (options.scope === undefined || g.scope === options.scope),
      );
      await this.#requireAdmin(
        options.actor,
        targets.length > 0 ? targets : [{ secret: secretOrPattern, scope: options.scope ?? 'global' }],
        'revoke',
      );
    }
    return this.store.remove({
      secret: secretOrPattern,
      accessor,
      ...(permission !== undefined ? { permission } : {}),
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
    });
  }

  /**
   * Throws `AccessDeniedError` (code `ACCESS_DENIED`) unless allowed. The message is the same
   * whether or not the secret exists: the check never looks at the secret itself.
   */
  async checkPermission(
    secret: string,
    accessor: string | undefined,
    permission: Permission,
    scope?: string,
  ): Promise<void> {
    if (await this.hasPermission(secret, accessor, permission, scope)) return;
    const who = accessor ?? this.#anonymous;
    throw new AccessDeniedError(
      `access denied: '${who}' may not ${permission} secret '${secret}' in scope '${scope ?? 'global'}'`,
      { accessor: who, operation: permission },
    );
  }

  async hasPermission(
    secret: string,
    accessor: string | undefined,
    permission: Permission,
    scope?: string,
  ): Promise<boolean> {
    const who = accessor ?? this.#anonymous;
    const allowed = this.#allows(await this.store.list({ accessor: who }), who, secret, permission, scope);
    return this.#count(allowed);
  }

  /** Keeps the names `accessor` may read; one store lookup for the whole list. */
  async filterReadable<T extends { key: string }>(
    items: T[],
    accessor: string | undefined,
    scope?: string,
  ): Promise<T[]> {
    const who = accessor ?? this.#anonymous;
    if (!this.enforced) return items;
    const grants = await this.store.list({ accessor: who });
    return items.filter((item) => this.#allows(grants, who, item.key, 'read', scope));
  }

  /**
   * Grants that apply to `secret` (stored on its name or on a pattern matching it; a pattern given
   * here also lists the grants stored on that exact pattern), or every grant when no secret is given.
   */
  async listPermissions(secret?: string, options: ListPermissionsOptions = {}): Promise<PermissionGrant[]> {
    const now = this.#now().getTime();
    const grants = await this.store.list(
      options.accessor !== undefined ? { accessor: options.accessor } : {},
    );
    return sortGrants(
      grants.filter(
        (g) =>
          (secret === undefined || g.secret === secret || targetMatches(g.secret, secret)) &&
          (options.includeExpired || !g.expiresAt || g.expiresAt.getTime() > now),
      ),
    );
  }

  /** Every stored grant (expired ones too), in the policy file format. */
  async exportPermissions(): Promise<PermissionPolicy> {
    return policyFromGrants(await this.store.list());
  }

  /** Loads a policy (an object as `exportPermissions` returns, or its JSON/YAML text); returns how many grants. */
  async importPermissions(
    policy: PermissionPolicy | string | unknown,
    options: ImportPermissionsOptions = {},
  ): Promise<number> {
    const grants = parsePolicy(policy);
    const mode = options.mode ?? 'merge';
    if (mode !== 'merge' && mode !== 'replace')
      throw new ValidationError(`import mode: expected 'merge' or 'replace'`);
    if (options.actor !== undefined) {
      const affected = mode === 'replace' ? [...grants, ...(await this.store.list())] : grants;
      await this.#requireAdmin(options.actor, affected, 'import permissions');
    }
    if (mode === 'replace') await this.store.replaceAll(grants);
    else for (const grant of grants) await this.store.put(grant);
    return grants.length;
  }

  /** This control as a manager plugin (same as `accessControlPlugin(control)`). */
  plugin(options?: AccessControlPluginOptions): ManagerPlugin {
    return accessControlPlugin(this, options);
  }

  /** Deletes grants whose expiry has passed; returns how many. */
  async purgeExpired(): Promise<number> {
    const now = this.#now().getTime();
    let removed = 0;
    for (const g of await this.store.list()) {
      if (g.expiresAt && g.expiresAt.getTime() <= now)
        removed += await this.store.remove({
          secret: g.secret,
          accessor: g.accessor,
          permission: g.permission,
          scope: g.scope,
        });
    }
    return removed;
  }

  #count(allowed: boolean): boolean {
    if (allowed) {
      this.counters.allowed++;
      return true;
    }
    if (!this.enforced) {
      this.counters.wouldDeny++;
      return true;
    }
    this.counters.denied++;
    return false;
  }

  #allows(
    grants: PermissionGrant[],
    accessor: string,
    secret: string,
    permission: Permission,
    scope?: string,
  ): boolean {
    if (this.#root.has(accessor)) return true;
    if (this.defaultPermissions.includes(permission) || this.defaultPermissions.includes('admin'))
      return true;
    const requestScope = scope ?? 'global';
    const now = this.#now().getTime();
    return grants.some(
      (g) =>
        g.accessor === accessor &&
        (g.permission === permission || g.permission === 'admin') &&
        (g.scope === 'global' || g.scope === requestScope) &&
        (!g.expiresAt || g.expiresAt.getTime() > now) &&
        targetMatches(g.secret, secret),
    );
  }

  /**
   * An actor may manage a grant when it holds admin covering the grant's target in the grant's
   * scope: on a name, any admin grant matching that name; on a pattern, an admin grant on that same
   * pattern or on everything (`*` / `**`), so that admin over `api-key-?` cannot widen itself to `api-key-*`.
   */
  async #requireAdmin(
    actor: string,
    targets: Array<{ secret: string; scope: Scope }>,
    action: string,
  ): Promise<void> {
    validateAccessor(actor, 'actor');
    if (this.#root.has(actor) || this.defaultPermissions.includes('admin')) return;
    const now = this.#now().getTime();
    const admin = (await this.store.list({ accessor: actor })).filter(
      (g) => g.permission === 'admin' && (!g.expiresAt || g.expiresAt.getTime() > now),
    );
    for (const target of targets) {
      const covered = admin.some(
        (g) =>
          (g.scope === 'global' || g.scope === target.scope) &&
          (isPattern(target.secret)
            ? g.secret === target.secret || isMatchAll(g.secret)
            : targetMatches(g.secret, target.secret)),
      );
      if (!covered) {
        this.counters.denied++;
        throw new AccessDeniedError(
          `access denied: '${actor}' may not ${action} on '${target.secret}' in scope '${target.scope}' (admin required)`,
          { accessor: actor, operation: action },
        );
      }
    }
  }
}
