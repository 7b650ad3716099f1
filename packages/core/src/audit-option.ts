import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors.js';
import type { ManagerPlugin, OperationContext, OperationEvent } from './events.js';
import { resolvePackageEntry } from './plugin-loader.js';
import type { SecretInfo } from './secret.js';

/** The package `enableAuditLog: true` turns on. */
export const AUDIT_PACKAGE = '@hush/audit-sqlite';

/** What core needs of `@hush/audit-sqlite`: its builder from a configuration section. */
interface AuditModule {
  auditFromConfig(section: Record<string, unknown>, context: { root: string }): ManagerPlugin | undefined;
}

/**
 * The plugin of `enableAuditLog: true`: `@hush/audit-sqlite` with its defaults (the SQLite file
 * `.hush/audit.db` under the current folder, fail-closed). The package is looked for from the
 * current folder, then from the main script's: when it is not installed, this throws at once, so
 * that the manager is never built without the audit its options ask for. Loading finishes in the
 * background; every hook waits for it, so the first operation is audited too.
 */
export function defaultAuditLog(root: string = process.cwd()): ManagerPlugin & { ready: Promise<void> } {
  const bases = [root, ...(process.argv[1] ? [dirname(resolve(process.argv[1]))] : [])];
  const entry = resolvePackageEntry(AUDIT_PACKAGE, bases);
  if (!entry)
    throw new ConfigError(`enableAuditLog: true needs ${AUDIT_PACKAGE}, which is not installed`, {
      path: 'enableAuditLog',
      hint: `install it (npm install ${AUDIT_PACKAGE}), or leave enableAuditLog out`,
    });
  const loading = import(pathToFileURL(entry).href).then((module: Partial<AuditModule>) => {
    const build =
      module.auditFromConfig ?? (module as { default?: Partial<AuditModule> }).default?.auditFromConfig;
    if (typeof build !== 'function')
      throw new ConfigError(`${AUDIT_PACKAGE} at ${entry} does not export auditFromConfig`, {
        path: 'enableAuditLog',
      });
    const log = build({}, { root });
    if (!log) throw new ConfigError(`${AUDIT_PACKAGE} built no audit log`, { path: 'enableAuditLog' });
    return log;
  });
  return deferredPlugin(loading);
}

/** A plugin that stands for one still loading: each hook waits for it, then hands over. */
function deferredPlugin(loading: Promise<ManagerPlugin>): ManagerPlugin & { ready: Promise<void> } {
  let loaded: ManagerPlugin | undefined;
  const ready = loading.then((plugin) => {
    loaded = plugin;
  });
  // Seen by every hook; an unawaited failure here would be reported twice.
  ready.catch(() => undefined);
  const when = <T>(use: (plugin: ManagerPlugin) => T | Promise<T>): T | Promise<T> =>
    loaded ? use(loaded) : ready.then(() => use(loaded!));
  return {
    name: 'audit',
    ready,
    before: (context: OperationContext) => when<void>((p) => p.before?.(context)),
    after: (event: OperationEvent) => when<void>((p) => p.after?.(event)),
    filterList: (context, secrets) =>
      when<SecretInfo[]>((p) => (p.filterList ? p.filterList(context, secrets) : secrets)),
    metrics: () => loaded?.metrics?.() ?? {},
    dispose: async () => {
      await ready.catch(() => undefined);
      await loaded?.dispose?.();
    },
  };
}
