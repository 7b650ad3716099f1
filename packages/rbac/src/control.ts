import {
  AccessDeniedError,
  type Duration,
  type ManagerPlugin,
  parseExpiry,
  UnsupportedOperationError,
  ValidationError,
} from '@hush/core';
import {
  ChangeReporter,
  type PermissionChange,
  type PermissionChangeSink,
  type PlannedChange,
  plannedGrant,
  plannedRevoke,
} from './changes.js';
import { targetMatches } from './patterns.js';
import { type AccessControlPluginOptions, accessControlPlugin } from './plugin.js';
import {
  isPermission,
  isScope,
  parsePolicyDocument,
  policyFromGrants,
  sortGrants,
  validateAccessor,
  validateTarget,
} from './policy.js';
import { grantsAllow, grantsCover, visibleTargets } from './rules.js';
import { MemoryPermissionStore } from './stores/memory.js';
import {
  grantKey,
  PERMISSIONS,
  type Permission,
  type PermissionGrant,
  type PermissionPolicy,
  type PermissionStore,
  type PolicyDocument,
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
  /**
   * Called with every attempted grant and revoke (imports and `purgeExpired` included), allowed or
   * denied, once its outcome is known. A rejection after a successful change fails the call: the
   * change is made, but the caller learns it was not recorded.
   */
  onChange?: (change: PermissionChange) => void | Promise<void>;
  /**
   * Where permission changes are recorded, e.g. the audit log of `@hush/audit-sqlite`
   * (`{ audit: auditLog }`); same contract as `onChange`, both may be given.
   */
  audit?: PermissionChangeSink;
}

export interface GrantOptions {
  /** Default `global`. */
  scope?: Scope;
  /** `'30d'` from now, an ISO timestamp, or a Date. */
  expiresAt?: Duration | Date;
  /** Who grants; must hold admin on the target when given (recorded as `grantedBy`). */
  actor?: string;
  /** Same as `actor` (another name for it); `actor` wins when both are given. */
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
  /**
   * Only the grants this accessor may see: its own, those on secrets it may read, and every grant
   * its `audit` (or `admin`) grants cover. Without it, every grant is listed (the trusted path).
   */
  visibleTo?: string;
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
  readonly #changes: ChangeReporter;

  constructor(options: SecretAccessControlOptions = {}) {
    refuseUnknownOptions(options, CONTROL_OPTIONS, 'SecretAccessControl');
    this.store = options.store ?? new MemoryPermissionStore();
    this.enforced = options.enforceAccessControl ?? true;
    for (const permission of options.defaultPermissions ?? [])
      if (!isPermission(permission))
        throw new ValidationError(`defaultPermissions: unknown permission '${String(permission)}'`);
    this.defaultPermissions = [...(options.defaultPermissions ?? [])];
    this.#root = new Set(options.rootAccessors ?? []);
    this.#anonymous = options.anonymousAccessor ?? 'anonymous';
    this.#now = options.now ?? (() => new Date());

    if (options.audit !== undefined && typeof options.audit?.recordPermissionChange !== 'function')
      throw new ValidationError('audit: expected an object with a recordPermissionChange method');
    this.#changes = new ChangeReporter({
      ...(options.onChange ? { onChange: options.onChange } : {}),
      ...(options.audit ? { audit: options.audit } : {}),
      now: this.#now,
    });
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
    refuseUnknownOptions(options, GRANT_OPTIONS, 'grant');
    const now = this.#now();
    const expiresAt =
      options.expiresAt === undefined ? undefined : parseExpiry(options.expiresAt, now.getTime());
    if (expiresAt && expiresAt.getTime() <= now.getTime())
      throw new ValidationError(
        `expiresAt ${describeExpiry(options.expiresAt!)} has passed (it is ${now.toISOString()} now): give a later date, or a duration such as '30d'`,
      );
    const actor = options.actor ?? options.grantedBy;
    const grant: PermissionGrant = {
      secret: secretOrPattern,
      accessor,
      permission,
      scope,
      grantedAt: now,
      ...(actor !== undefined ? { grantedBy: actor } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    };
    await this.#changes.audited([plannedGrant(grant, actor)], async () => {
      if (actor !== undefined) await this.#requireAdmin(actor, [{ secret: secretOrPattern, scope }], 'grant');
      await this.store.put(grant);
    });
    return grant;
  }

  /**
   * Removes grants stored on exactly `secretOrPattern` for `accessor` (every permission unless one
   * is given); returns how many. The options may also come third: `revoke(name, accessor, { scope })`.
   */
  async revoke(
    secretOrPattern: string,
    accessor: string,
    permissionOrOptions?: Permission | RevokeOptions,
    revokeOptions: RevokeOptions = {},
  ): Promise<number> {
    const optionsThird = typeof permissionOrOptions === 'object' && permissionOrOptions !== null;
    const permission = optionsThird ? undefined : permissionOrOptions;
    const options = optionsThird ? permissionOrOptions : revokeOptions;
    refuseUnknownOptions(options, REVOKE_OPTIONS, 'revoke');
    if (typeof secretOrPattern !== 'string' || secretOrPattern === '')
      throw new ValidationError('secret: expected a secret name or a glob pattern');
    validateAccessor(accessor);
    if (permission !== undefined && !isPermission(permission))
      throw new ValidationError(`unknown permission '${String(permission)}'`);
    if (options.scope !== undefined && !isScope(options.scope))
      throw new ValidationError(`unknown scope '${String(options.scope)}'`);
    const planned: PlannedChange = {
      operation: 'revoke',
      secretOrPattern,
      accessor,
      ...(permission !== undefined ? { permission } : {}),
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.actor !== undefined ? { actor: options.actor } : {}),
    };
    return this.#changes.audited(
      [planned],
      async () => {
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
      },
      (removed) => ({ outcome: removed === 0 ? 'not_found' : 'success', removed }),
    );
  }

  /**
   * Resolves `true` when allowed; throws `AccessDeniedError` (code `ACCESS_DENIED`) otherwise. The message is the same
   * whether or not the secret exists: the check never looks at the secret itself.
   */
  async checkPermission(
    secret: string,
    accessor: string | undefined,
    permission: Permission,
    scope?: string,
  ): Promise<true> {
    if (await this.hasPermission(secret, accessor, permission, scope)) return true;
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
    refuseUnknownOptions(options, LIST_OPTIONS, 'listPermissions');
    const now = this.#now().getTime();
    const grants = await this.store.list(
      options.accessor !== undefined ? { accessor: options.accessor } : {},
    );
    const listed = grants.filter(
      (g) =>
        (secret === undefined || g.secret === secret || targetMatches(g.secret, secret)) &&
        (options.includeExpired || !g.expiresAt || g.expiresAt.getTime() > now),
    );
    if (options.visibleTo === undefined) return sortGrants(listed);
    const viewer = options.visibleTo;
    const sees = await this.#visibility(viewer);
    return sortGrants(listed.filter((g) => g.accessor === viewer || sees(g.secret)));
  }

  /**
   * Keeps the audit entries `accessor` may see: those of secrets it may read, its own, and every
   * entry its `audit` (or `admin`) grants cover; all of them for a root accessor, with an `audit`
   * or `admin` grant on everything, or while enforcement is off.
   */
  async filterAuditEntries<T extends { secretName: string | null; accessor: string | null }>(
    entries: T[],
    accessor: string | undefined,
  ): Promise<T[]> {
    const who = accessor ?? this.#anonymous;
    const sees = await this.#visibility(who);
    return entries.filter((e) => e.accessor === who || sees(e.secretName ?? undefined));
  }

  /**
   * Whether `accessor` holds `admin` over every secret: a root accessor, `admin` among the default
   * permissions, or a grant of admin in the global scope on a pattern that matches every name
   * (`*` or `**`). Decided on what the pattern matches, never on its text. Passes while enforcement is off.
   */
  async hasAdminOverEverything(accessor: string | undefined): Promise<boolean> {
    const who = accessor ?? this.#anonymous;
    if (this.#root.has(who) || this.defaultPermissions.includes('admin')) return this.#count(true);
    const grants = await this.store.list({ accessor: who });
    return this.#count(grantsCover(grants, ['admin'], { scope: 'global' }, this.#now().getTime()));
  }

  /** Which targets (a name, a pattern, or none: an entry about no one secret) `viewer` may see. */
  async #visibility(viewer: string): Promise<(target: string | undefined) => boolean> {
    if (!this.enforced || this.#root.has(viewer)) return () => true;
    return visibleTargets(
      await this.store.list({ accessor: viewer }),
      viewer,
      this.defaultPermissions,
      this.#now().getTime(),
    );
  }

  /**
   * Every stored grant (expired ones too), in the policy file format, returned at once: the
   * document itself, ready for `JSON.stringify`. For the stores that can answer at once (the
   * memory store and the policy file); other stores (the audit database) refuse with an
   * `UnsupportedOperationError` naming `exportPermissionsAsync()`, which every store answers.
   */
  exportPermissions(): PermissionPolicy {
    const store = this.store;
    if (typeof store.listSync !== 'function') {
      const name = store.constructor?.name || 'permission store';
      throw new UnsupportedOperationError(
        name,
        'exportPermissions',
        `${name} reads its grants asynchronously: use await exportPermissionsAsync()`,
      );
    }
    return policyFromGrants(store.listSync());
  }

  /** `exportPermissions()` for every store, the asynchronous ones included. */
  async exportPermissionsAsync(): Promise<PermissionPolicy> {
    return policyFromGrants(await this.store.list());
  }

  /**
   * Loads a policy document (`{ version: 1, grants: [...] }` as `exportPermissions` returns it, or
   * its JSON/YAML text); returns how many grants. Anything else (a Promise, an object without
   * `grants`, another version, an unknown field) is a `ValidationError` and changes nothing.
   * `merge` (the default) keeps every grant the document does not name.
   */
  async importPermissions(
    policy: PolicyDocument | string,
    options: ImportPermissionsOptions = {},
  ): Promise<number> {
    const grants = parsePolicyDocument(policy);
    refuseUnknownOptions(options, IMPORT_OPTIONS, 'importPermissions');
    const mode = options.mode ?? 'merge';
    if (mode !== 'merge' && mode !== 'replace')
      throw new ValidationError(`import mode: expected 'merge' or 'replace'`);
    // Reported as one grant per imported grant and, in replace mode, one revoke per dropped grant.
    const planned = this.#changes.reporting ? grants.map((g) => plannedGrant(g, options.actor)) : [];
    if (this.#changes.reporting && mode === 'replace') {
      const kept = new Set(grants.map(grantKey));
      for (const g of await this.store.list())
        if (!kept.has(grantKey(g))) planned.push(plannedRevoke(g, options.actor));
    }
    await this.#changes.audited(planned, async () => {
      if (options.actor !== undefined) {
        const affected = mode === 'replace' ? [...grants, ...(await this.store.list())] : grants;
        await this.#requireAdmin(options.actor, affected, 'import permissions');
      }
      if (mode === 'replace') await this.store.replaceAll(grants);
      else for (const grant of grants) await this.store.put(grant);
    });
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
        removed += await this.#changes.audited(
          [plannedRevoke(g)],
          () =>
            this.store.remove({
              secret: g.secret,
              accessor: g.accessor,
              permission: g.permission,
              scope: g.scope,
            }),
          (count) => ({ outcome: count === 0 ? 'not_found' : 'success', removed: count }),
        );
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
    return grantsAllow(grants, { accessor, name: secret, permission, scope, now: this.#now().getTime() });
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
    const grants = await this.store.list({ accessor: actor });
    for (const target of targets) {
      if (grantsCover(grants, ['admin'], target, now)) continue;
      // Enforcement off: every check passes, as the README says; the would-be denial is counted.
      if (!this.enforced) {
        this.counters.wouldDeny++;
        continue;
      }
      this.counters.denied++;
      throw new AccessDeniedError(
        `access denied: '${actor}' may not ${action} on '${target.secret}' in scope '${target.scope}' (admin required)`,
        { accessor: actor, operation: action },
      );
    }
  }
}

const CONTROL_OPTIONS = [
  'store',
  'enforceAccessControl',
  'defaultPermissions',
  'rootAccessors',
  'anonymousAccessor',
  'now',
  'onChange',
  'audit',
];
const GRANT_OPTIONS = ['scope', 'expiresAt', 'actor', 'grantedBy'];
const REVOKE_OPTIONS = ['scope', 'actor'];
const LIST_OPTIONS = ['accessor', 'includeExpired', 'visibleTo'];
const IMPORT_OPTIONS = ['mode', 'actor'];

/** An option this class does not know is refused, never ignored (a typo would change nothing silently). */
function refuseUnknownOptions(options: object, known: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError(`${where}: expected an options object`);
  for (const key of Object.keys(options))
    if (!known.includes(key) && (options as Record<string, unknown>)[key] !== undefined)
      throw new ValidationError(`${where}: unknown option '${key}' (expected ${known.join(', ')})`);
}

/** The expiry as the caller gave it, and as the instant it means when that differs. */
function describeExpiry(value: Duration | Date): string {
  if (value instanceof Date) return value.toISOString();
  const instant = parseExpiry(value).toISOString();
  return typeof value === 'string' && value !== instant ? `'${value}' (${instant})` : instant;
}
