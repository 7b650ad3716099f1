import { userInfo } from 'node:os';
import type { AuditLog } from '@hush/audit-sqlite';
import type { EnvironmentConfig, HushConfig, ManagerPlugin, SecretManager } from '@hush/core';
import type { SecretAccessControl } from '@hush/rbac';
import { builtinProviders } from './builtins.js';
import { type Colors, colorsAllowed, colorsFor } from './colors.js';
import { parsedConfigCacheDir } from './config-cache-dir.js';
import { EMBEDDED_ENVIRONMENT, embeddedConfig } from './embedded-config.js';
import { flagIsOn } from './env-flag.js';
import { CliError, UsageError } from './errors.js';
import { cliPackageDir, importOptional } from './resolve.js';
import { type AccessSettings, type AuditSettings, parseAccess, parseAudit } from './sections.js';
import { stdoutIsTerminal, writeStdout } from './stdio.js';

/** Global options after merging the command line with their HUSH_* variables. */
export interface GlobalOptions {
  config?: string;
  env?: string;
  as?: string;
  json: boolean;
  quiet: boolean;
  color: boolean;
  debug: boolean;
  /** No network call at all: remote providers answer from the persistent cache. */
  offline: boolean;
}

export interface Settings {
  config: HushConfig;
  /** True when no file was found and the embedded default is used. */
  embedded: boolean;
  environmentName: string;
  environment: EnvironmentConfig;
  audit?: AuditSettings;
  accessControl?: AccessSettings;
}

export function globalOptions(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): GlobalOptions {
  return {
    ...(((raw.config as string | undefined) ?? env.HUSH_CONFIG)
      ? { config: (raw.config as string | undefined) ?? env.HUSH_CONFIG! }
      : {}),
    // `diff --env a --env b` names two environments: the command itself handles a list.
    ...((Array.isArray(raw.env) ? undefined : ((raw.env as string | undefined) ?? env.HUSH_ENV))
      ? { env: (raw.env as string | undefined) ?? env.HUSH_ENV! }
      : {}),
    ...(((raw.as as string | undefined) ?? env.HUSH_ACCESSOR)
      ? { as: (raw.as as string | undefined) ?? env.HUSH_ACCESSOR! }
      : {}),
    json: raw.json === true || flagIsOn(env.HUSH_JSON),
    quiet: raw.quiet === true || flagIsOn(env.HUSH_QUIET),
    color: raw.color !== false && colorsAllowed(env),
    debug: raw.debug === true || flagIsOn(env.HUSH_DEBUG),
    offline: raw.offline === true || flagIsOn(env.HUSH_OFFLINE),
  };
}

/** What every command gets: options, output helpers, and the lazily built manager. */
export class Cli {
  readonly cwd = process.cwd();
  #colors?: Colors;
  #settings?: Promise<Settings>;
  #manager?: SecretManager;
  #audit?: Promise<AuditLog>;
  #control?: Promise<SecretAccessControl>;
  readonly #cleanups: Array<() => Promise<void>> = [];

  constructor(readonly options: GlobalOptions) {}

  /** Colours when stdout is a terminal; worked out on first use (asking makes process.stdout). */
  get colors(): Colors {
    this.#colors ??= colorsFor(this.options.color && stdoutIsTerminal());
    return this.#colors;
  }

  get stdoutIsTTY(): boolean {
    return stdoutIsTerminal();
  }

  /** A line of command output on stdout. */
  print(text = ''): void {
    writeStdout(`${text}\n`);
  }

  /** Command output on stdout as it is, without a newline: a part of a long output. */
  write(text: string): void {
    writeStdout(text);
  }

  /** Machine output: one JSON document on stdout. */
  printJson(value: unknown): void {
    writeStdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and confirmations on stderr; silenced by --quiet. */
  note(text: string): void {
    if (!this.options.quiet) process.stderr.write(`${text}\n`);
  }

  /** Warnings always reach stderr. */
  warn(text: string): void {
    process.stderr.write(`hush: warning: ${text}\n`);
  }

  /** Progress bars only on a terminal, never with --quiet or --json. */
  get showProgress(): boolean {
    return process.stderr.isTTY === true && !this.options.quiet && !this.options.json;
  }

  get accessor(): string {
    return this.options.as ?? this.#accessorFromConfig ?? safeUserName();
  }

  #accessorFromConfig?: string;

  /** Configuration: --config / HUSH_CONFIG, else the nearest hush.config.*, else the embedded default. */
  settings(): Promise<Settings> {
    this.#settings ??= this.#loadSettings();
    return this.#settings;
  }

  async #loadSettings(): Promise<Settings> {
    const core = await import('@hush/core');
    let config = await core.loadConfig({
      ...(this.options.config ? { file: this.options.config } : {}),
      cwd: this.cwd,
      env: process.env,
      parsedCacheDir: parsedConfigCacheDir(),
    });
    let embedded = false;
    let explicitEnv = this.options.env;
    if (!config) {
      embedded = true;
      config = embeddedConfig(core, this.cwd);
      explicitEnv = EMBEDDED_ENVIRONMENT;
    }
    const { name, environment } = core.selectEnvironment(config, explicitEnv, process.env);
    const settings: Settings = { config, embedded, environmentName: name, environment };
    const where = { ...(config.file ? { file: config.file } : {}) };
    const fail = (path: string, message: string): never => {
      throw new core.ConfigError(message, { ...where, path });
    };
    if (config.audit) settings.audit = parseAudit(config.audit, config.root, fail);
    if (config.accessControl) {
      settings.accessControl = parseAccess(config.accessControl, config.root, fail);
      if (settings.accessControl.store === 'audit' && !settings.audit?.enabled)
        fail(
          'accessControl.policyFile',
          'expected a policyFile, or an enabled audit section whose database keeps the grants',
        );
      this.#accessorFromConfig = settings.accessControl.accessor;
    }
    return settings;
  }

  /** The audit log named by the configuration (opened once per run). */
  auditLog(): Promise<AuditLog> {
    this.#audit ??= (async () => {
      const settings = await this.settings();
      if (!settings.audit?.enabled)
        throw new CliError(
          'audit is not enabled for this project',
          1,
          `add to ${settings.config.file ?? 'hush.config.yaml'}:  audit: { enabled: true }`,
        );
      const mod = await importOptional<typeof import('@hush/audit-sqlite')>(
        '@hush/audit-sqlite',
        settings.config.root,
        `audit is enabled in ${settings.config.file ?? 'the configuration'}`,
      );
      const log = await mod.openAuditSqlite({
        path: settings.audit.path,
        failMode: settings.audit.failMode,
        ...(settings.audit.retentionDays !== undefined
          ? { retentionDays: settings.audit.retentionDays }
          : {}),
      });
      this.#cleanups.push(() => log.close());
      return log;
    })();
    return this.#audit;
  }

  /** Access control over the configured permission store. */
  accessControl(): Promise<SecretAccessControl> {
    this.#control ??= (async () => {
      const settings = await this.settings();
      const access = settings.accessControl;
      if (!access)
        throw new CliError(
          'access control is not configured for this project',
          1,
          `add to ${settings.config.file ?? 'hush.config.yaml'}:  accessControl: { enforce: true, policyFile: .hush/policy.yaml, rootAccessors: [${this.accessor}] }`,
        );
      const rbac = await importOptional<typeof import('@hush/rbac')>(
        '@hush/rbac',
        settings.config.root,
        `access control is configured in ${settings.config.file ?? 'the configuration'}`,
      );
      const store =
        access.store === 'file'
          ? new rbac.FilePermissionStore(access.policyFile!)
          : (await this.auditLog()).permissionStore();
      return new rbac.SecretAccessControl({
        store,
        enforceAccessControl: access.enforce,
        rootAccessors: access.rootAccessors,
        defaultPermissions: access.defaultPermissions as Array<import('@hush/rbac').Permission>,
        // Grants and revokes go into the audit log too when it is on.
        ...(settings.audit?.enabled ? { audit: await this.auditLog() } : {}),
      });
    })();
    return this.#control;
  }

  /** Whether operations go through audit or access control (then bulk shortcuts are not taken). */
  async hasPlugins(): Promise<boolean> {
    const settings = await this.settings();
    return Boolean(settings.audit?.enabled || settings.accessControl);
  }

  /** The secret manager for the chosen environment, with audit and access control plugged in. */
  async manager(): Promise<SecretManager> {
    if (this.#manager) return this.#manager;
    const settings = await this.settings();
    const core = await import('@hush/core');
    const plugins: ManagerPlugin[] = [];
    if (settings.accessControl) plugins.push((await this.accessControl()).plugin());
    if (settings.audit?.enabled) plugins.push(await this.auditLog());
    const manager = await core.createSecretManagerFromConfig(settings.config, {
      environment: settings.environmentName,
      env: process.env,
      fallbackPaths: [cliPackageDir()],
      builtinProviders,
      offline: this.options.offline,
      onWarning: (message) => this.warn(message),
    });
    // The plugins are owned (and closed) here, not by the manager: `hush audit` may query the log after.
    for (const plugin of plugins) manager.use({ ...pick(plugin), name: plugin.name });
    this.#manager = manager;
    return manager;
  }

  /** The masker of the manager, when one was built (used to scrub error messages). */
  mask(text: string): string {
    return this.#manager ? this.#manager.masker.mask(text) : text;
  }

  /** Refuses a --provider that the environment does not configure (a usage error). */
  async checkProvider(name: string | undefined): Promise<void> {
    if (name === undefined) return;
    const settings = await this.settings();
    const names = settings.environment.providers.map((p) => p.name);
    if (!names.includes(name))
      throw new UsageError(
        `unknown provider '${name}' in environment '${settings.environmentName}' (configured: ${names.join(', ')})`,
      );
  }

  /** The provider writes go to: --provider, else the environment's default, else the first writable. */
  async writeProviderName(pin?: string): Promise<string> {
    await this.checkProvider(pin);
    if (pin) return pin;
    const settings = await this.settings();
    if (settings.environment.defaultWriteProvider) return settings.environment.defaultWriteProvider;
    const manager = await this.manager();
    const writable = manager.providerNames.filter((n) => manager.getProvider(n)?.capabilities.write);
    if (writable.length === 0)
      throw new CliError(`no provider of environment '${settings.environmentName}' can be written`);
    return writable[0]!;
  }

  async dispose(): Promise<void> {
    const manager = this.#manager;
    this.#manager = undefined;
    if (manager) await manager.dispose().catch(() => undefined);
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * Copies every hook of a plugin bound to it, all but `dispose` (so the manager's dispose does not
 * close a shared log). Every hook: one left out (as `beforeServe` once was) is a check skipped.
 */
function pick(plugin: ManagerPlugin): Omit<ManagerPlugin, 'name' | 'dispose'> {
  const hooks: Record<string, unknown> = {};
  for (const key of ['before', 'beforeServe', 'after', 'filterList', 'metrics'] as const) {
    const hook = plugin[key];
    if (typeof hook === 'function') hooks[key] = hook.bind(plugin);
  }
  return hooks as Omit<ManagerPlugin, 'name' | 'dispose'>;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
