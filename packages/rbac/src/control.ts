import { AccessDeniedError, type ManagerPlugin, ValidationError } from '@hush/core';
import { ChangeReporter } from './changes.js';
import { allows, countDecision, visibility } from './decisions.js';
import { grantPermission, purgeExpiredGrants, revokePermissions } from './grants.js';
import {
  type AccessControlCounters,
  CONTROL_OPTIONS,
  type GrantOptions,
  type ImportPermissionsOptions,
  LIST_OPTIONS,
  type ListPermissionsOptions,
  type RevokeOptions,
  refuseUnknownOptions,
  type SecretAccessControlOptions,
} from './options.js';
import { targetMatches } from './patterns.js';
import { type AccessControlPluginOptions, accessControlPlugin } from './plugin.js';
import { isPermission, policyFromGrants, sortGrants } from './policy.js';
import { grantsCover } from './rules.js';
import type { ControlState } from './state.js';
import { MemoryPermissionStore } from './stores/memory.js';
import { exportPolicy, importPolicy } from './transfer.js';
import type {
  Permission,
  PermissionGrant,
  PermissionPolicy,
  PermissionStore,
  PolicyDocument,
} from './types.js';

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
  readonly #anonymous: string;
  readonly #state: ControlState;

  constructor(options: SecretAccessControlOptions = {}) {
    refuseUnknownOptions(options, CONTROL_OPTIONS, 'SecretAccessControl');
    this.store = options.store ?? new MemoryPermissionStore();
    this.enforced = options.enforceAccessControl ?? true;
    for (const permission of options.defaultPermissions ?? [])
      if (!isPermission(permission))
        throw new ValidationError(`defaultPermissions: unknown permission '${String(permission)}'`);
    this.defaultPermissions = [...(options.defaultPermissions ?? [])];
    this.#anonymous = options.anonymousAccessor ?? 'anonymous';
    const now = options.now ?? (() => new Date());

    if (options.audit !== undefined && typeof options.audit?.recordPermissionChange !== 'function')
      throw new ValidationError('audit: expected an object with a recordPermissionChange method');
    this.#state = {
      store: this.store,
      enforced: this.enforced,
      defaultPermissions: this.defaultPermissions,
      counters: this.counters,
      root: new Set(options.rootAccessors ?? []),
      now,
      changes: new ChangeReporter({
        ...(options.onChange ? { onChange: options.onChange } : {}),
        ...(options.audit ? { audit: options.audit } : {}),
        now,
      }),
    };
  }

  async grant(
    secretOrPattern: string,
    accessor: string,
    permission: Permission,
    options: GrantOptions = {},
  ): Promise<PermissionGrant> {
    return grantPermission(this.#state, secretOrPattern, accessor, permission, options);
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
    return revokePermissions(this.#state, secretOrPattern, accessor, permission, options);
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
    const grants = await this.store.list({ accessor: who });
    return countDecision(this.#state, allows(this.#state, grants, who, secret, permission, scope));
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
    return items.filter((item) => allows(this.#state, grants, who, item.key, 'read', scope));
  }

  /**
   * Grants that apply to `secret` (stored on its name or on a pattern matching it; a pattern given
   * here also lists the grants stored on that exact pattern), or every grant when no secret is given.
   */
  async listPermissions(secret?: string, options: ListPermissionsOptions = {}): Promise<PermissionGrant[]> {
    refuseUnknownOptions(options, LIST_OPTIONS, 'listPermissions');
    const now = this.#state.now().getTime();
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
    const sees = await visibility(this.#state, viewer);
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
    const sees = await visibility(this.#state, who);
    return entries.filter((e) => e.accessor === who || sees(e.secretName ?? undefined));
  }

  /**
   * Whether `accessor` holds `admin` over every secret: a root accessor, `admin` among the default
   * permissions, or a grant of admin in the global scope on a pattern that matches every name
   * (`*` or `**`). Decided on what the pattern matches, never on its text. Passes while enforcement is off.
   */
  async hasAdminOverEverything(accessor: string | undefined): Promise<boolean> {
    const who = accessor ?? this.#anonymous;
    if (this.#state.root.has(who) || this.defaultPermissions.includes('admin'))
      return countDecision(this.#state, true);
    const grants = await this.store.list({ accessor: who });
    return countDecision(
      this.#state,
      grantsCover(grants, ['admin'], { scope: 'global' }, this.#state.now().getTime()),
    );
  }

  /**
   * Every stored grant (expired ones too), in the policy file format, returned at once: the
   * document itself, ready for `JSON.stringify`. For the stores that can answer at once (the
   * memory store and the policy file); other stores (the audit database) refuse with an
   * `UnsupportedOperationError` naming `exportPermissionsAsync()`, which every store answers.
   */
  exportPermissions(): PermissionPolicy {
    return exportPolicy(this.store);
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
    return importPolicy(this.#state, policy, options);
  }

  /** This control as a manager plugin (same as `accessControlPlugin(control)`). */
  plugin(options?: AccessControlPluginOptions): ManagerPlugin {
    return accessControlPlugin(this, options);
  }

  /** Deletes grants whose expiry has passed; returns how many. */
  async purgeExpired(): Promise<number> {
    return purgeExpiredGrants(this.#state);
  }
}
