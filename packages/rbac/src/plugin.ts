import type { ManagerPlugin, Operation, OperationContext, SecretInfo } from '@hush/core';
import type { Permission } from './types.js';

/** What the plugin needs of an access control (`SecretAccessControl` is one). */
export interface AccessChecker {
  checkPermission(
    secret: string,
    accessor: string | undefined,
    permission: Permission,
    scope?: string,
  ): Promise<true>;
  filterReadable<T extends { key: string }>(
    items: T[],
    accessor: string | undefined,
    scope?: string,
  ): Promise<T[]>;
  readonly counters: object;
}

/** The permission each manager operation needs; `list` is filtered instead of checked. */
export const OPERATION_PERMISSIONS: Readonly<Record<Exclude<Operation, 'list'>, Permission>> = {
  get: 'read',
  getMany: 'read',
  getVersion: 'read',
  listVersions: 'read',
  resolve: 'read',
  set: 'write',
  delete: 'delete',
  rotate: 'rotate',
  rollback: 'rotate',
};

export interface AccessControlPluginOptions {
  /** Plugin name in metrics (default `rbac`). */
  name?: string;
}

/**
 * A manager plugin that checks every operation on a named secret before it runs and narrows
 * listings to the names the accessor may read. A context without a key (a whole `resolve` or
 * `getMany` announced before its per-key reads) is left to the per-key checks.
 */
export function accessControlPlugin(
  control: AccessChecker,
  options: AccessControlPluginOptions = {},
): ManagerPlugin {
  return {
    name: options.name ?? 'rbac',
    async before(context: OperationContext): Promise<void> {
      if (context.operation === 'list' || context.key === undefined) return;
      const permission = OPERATION_PERMISSIONS[context.operation];
      await control.checkPermission(context.key, context.accessor, permission, context.scope);
    },
    /**
     * A provider may serve one stored secret under several names (the env provider's
     * `db/password` and `DB_PASSWORD`): the grant must hold on the name it reports as canonical,
     * so that an alias cannot widen it.
     */
    async beforeServe(context: OperationContext, served: SecretInfo): Promise<void> {
      const canonical = served.canonicalName;
      if (context.operation === 'list' || canonical === undefined || canonical === context.key) return;
      const permission = OPERATION_PERMISSIONS[context.operation];
      await control.checkPermission(canonical, context.accessor, permission, context.scope);
    },
    filterList(context: OperationContext, secrets: SecretInfo[]): Promise<SecretInfo[]> {
      return control.filterReadable(secrets, context.accessor, context.scope);
    },
    metrics(): Record<string, number> {
      return { ...control.counters };
    },
  };
}
