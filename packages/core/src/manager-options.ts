import type { CacheTierRegistration } from './cache-tier.js';
import { ConfigError } from './errors.js';
import type { ManagerPlugin, OperationEvent } from './events.js';
import type { SecretProvider } from './provider.js';
import { optionNames, suggestion } from './toolkit/options.js';
import type { Duration } from './types.js';

/**
 * The persistent cache tier (`cache.persistent`): what remote providers served, sealed on disk,
 * for reads when every provider fails and for offline mode. The local and env providers' values
 * are never kept (they are on this machine already).
 */
export interface PersistentCacheOptions {
  /** The folder of the entry files (`.hush/cache`). */
  path: string;
  /** The maximum age of an entry: an older one is never served (default 24h). */
  ttl?: Duration;
  /**
   * The machine key file, created 0600 on first use (default `HUSH_CACHE_KEY_FILE`, else
   * `$XDG_STATE_HOME/hush/cache.key`, else `~/.local/state/hush/cache.key`).
   */
  keyFile?: string;
  /** The key itself (32 random bytes, base64 or hex) instead of a key file: e.g. from an OS keyring. */
  key?: string | Uint8Array;
}

export interface LeaseOptions {
  /**
   * Renew a lease when this share of it has passed (a lease that cannot be renewed is fetched
   * anew then). Default 2/3.
   */
  renewFraction?: number;
  /**
   * Runs the background work after a delay; returns a cancel function. Default `setTimeout`
   * (never keeping the process alive). Tests pass one driven by their clock.
   */
  schedule?: (work: () => void, delayMs: number) => () => void;
}

export interface ProviderRegistration {
  provider: SecretProvider;
  /** Higher is asked first; providers without one keep their order after those with one. */
  priority?: number;
  /** Per-call timeout; a timed-out call counts as a failure and the read fails over. */
  timeout?: Duration;
  /**
   * How long this provider's values stay fresh in the manager's cache, instead of `cache.ttl`.
   * Without it, the provider's own `cacheTtlSeconds` applies (the Azure provider's option).
   */
  cacheTtl?: Duration;
}

export interface CacheOptions {
  enabled?: boolean;
  /** How long a value is fresh (default 5m). */
  ttl?: Duration;
  /** Most entries kept (default 1000); least recently used go first. */
  maxSize?: number;
  /** Serve an expired value for this long when every provider fails (default 0: off). */
  staleIfError?: Duration;
  /** How long a read of a fixed version is kept (default 1h; versions never change). */
  versionTtl?: Duration;
  /**
   * Refresh-ahead: a read that lands in this last fraction of an entry's TTL is served from the
   * cache and starts a refresh in the background (0.2: the last 20%). Default 0: off.
   */
  refreshAhead?: number;
  /** An encrypted cache on disk for offline use (off unless configured). */
  persistent?: PersistentCacheOptions;
}

export interface SecretManagerOptions {
  /** In priority order, or with explicit priorities. */
  providers: Array<SecretProvider | ProviderRegistration>;
  defaultWriteProvider?: string;
  cache?: CacheOptions;
  plugins?: ManagerPlugin[];
  /**
   * Called after every operation with its event (never a value), as the option of this
   * name; a shortcut for a plugin with only an `after` hook. An error it throws fails the operation.
   */
  auditLogCallback?: (event: OperationEvent) => void | Promise<void>;
  /**
   * Records every operation in the audit log of `@hush/audit-sqlite` with its defaults (the SQLite
   * file `.hush/audit.db` under the current folder, fail-closed). That package must be installed:
   * without it the constructor throws a `ConfigError` naming it. For other settings, pass
   * `plugins: [auditSqlite({ ... })]` instead.
   */
  enableAuditLog?: boolean;
  /** Parallel reads for getSecrets against providers without batch get (default 8). */
  batchConcurrency?: number;
  /** Per-call timeout for every provider without its own (default 30s). */
  providerTimeout?: Duration;
  /** `resolve`'s default for `defaultsOnOutage` (default false). */
  defaultsOnOutage?: boolean;
  masking?: {
    /** Most values the masker keeps (default 10,000); values still cached are never dropped. */
    maxValues?: number;
  };
  /**
   * The clock for cache freshness, leases and the `timestamp` of operation events (what an audit
   * log records), in epoch milliseconds (default `Date.now`); for tests.
   */
  now?: () => number;
  /** Leased (dynamic) secrets: held for their lease, renewed in the background. */
  leases?: LeaseOptions;
  /**
   * Tiers between the in-process cache and the providers (a shared Redis for a fleet), asked in
   * order on a miss and written back after the providers answer. Each is skipped, never fatal,
   * when it fails or is slow.
   */
  cacheTiers?: CacheTierRegistration[];
  /** The environment this manager serves (`prod`); cache tiers bind their entries to it (default `default`). */
  environment?: string;
  /**
   * Offline mode: no network call at all. Providers that read this machine only (local, env)
   * are asked as usual; every other provider's values come from the persistent cache
   * (`cache.persistent`), and writes to them are refused. `HUSH_OFFLINE=1` sets it for managers
   * built from configuration.
   */
  offline?: boolean;
  /**
   * Put secret names on OpenTelemetry spans (`hush.secret.name`); off by default, as a name can
   * say more than it should. Values never go on a span.
   */
  traceNames?: boolean;
  /** Told about problems that do not fail an operation (a tampered cache file); default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

// The manager refuses an option it does not know instead of dropping it: a misspelt or foreign
// option would otherwise change nothing, silently (`enableAuditLogs: true` and no audit).

// Complete by construction: a new option of `SecretManagerOptions` must be named here to compile.
const MANAGER_OPTIONS = optionNames<SecretManagerOptions>()({
  providers: true,
  defaultWriteProvider: true,
  cache: true,
  plugins: true,
  auditLogCallback: true,
  enableAuditLog: true,
  batchConcurrency: true,
  providerTimeout: true,
  defaultsOnOutage: true,
  masking: true,
  now: true,
  cacheTiers: true,
  environment: true,
  leases: true,
  offline: true,
  onWarning: true,
  traceNames: true,
});
const CACHE_OPTIONS = optionNames<CacheOptions>()({
  enabled: true,
  ttl: true,
  maxSize: true,
  staleIfError: true,
  versionTtl: true,
  refreshAhead: true,
  persistent: true,
});
const MASKING_OPTIONS = ['maxValues'];
const LEASE_OPTIONS = ['renewFraction', 'schedule'];
const REGISTRATION_OPTIONS = optionNames<ProviderRegistration>()({
  provider: true,
  priority: true,
  timeout: true,
  cacheTtl: true,
});

/**
 * Names other secret managers' configurations use (a single `provider`, `caching`, ...), which
 * this manager takes in another form: refused with what to write instead.
 */
const FOREIGN_OPTIONS: Readonly<Record<string, string>> = {
  provider:
    'the manager takes a list: providers: [new VaultProvider(...), ...] (or name the kinds in hush.config.yaml and use createSecretManager())',
  connectionString:
    'give each provider its own address (VaultProvider({ endpoint }), AzureKeyVaultProvider({ vaultUrl }), ...)',
  authentication:
    'each provider takes its own credentials (a Vault token or AppRole, an AWS or Azure credential)',
  caching: "use cache: { enabled, ttl: '300s', maxSize } (ttl is a duration; a bare number is milliseconds)",
  cacheTtl: "use cache: { ttl: '5m' }, or a provider registration's cacheTtl",
  ttl: "use cache: { ttl: '5m' }",
  auditLog:
    'use enableAuditLog: true (the SQLite log of @hush/audit-sqlite), or plugins: [auditSqlite({ path })]',
  accessControl: 'use plugins: [accessControl.plugin()] with a SecretAccessControl of @hush/rbac',
};

/**
 * Names the manager deliberately does not take, because what they ask
 * is always the case: warned about once per process (with what to use instead), then ignored.
 */
const IGNORED_OPTIONS: Readonly<Record<string, string>> = {
  encryption:
    "hush always encrypts at rest (the local store with AES-256-GCM, the cloud services with their own keys), so the manager takes no 'encryption' option and ignores it: choose the local store's key with its masterKey or passphrase option",
};

const warned = new Set<string>();

/** Checks the options bag of `new SecretManager(...)`: unknown names are a `ConfigError`. */
export function checkManagerOptions(options: SecretManagerOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError('expected an options object: new SecretManager({ providers: [...] })', {
      path: 'options',
    });
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || MANAGER_OPTIONS.includes(name)) continue;
    const ignored = IGNORED_OPTIONS[name];
    if (ignored !== undefined) {
      warnOnce(name, `SecretManager option '${name}' is not supported: ${ignored}`);
      continue;
    }
    const instead = FOREIGN_OPTIONS[name];
    throw new ConfigError(
      instead
        ? `'${name}' is not an option of the secret manager: ${instead}`
        : `unknown option '${name}'${suggestion(name, MANAGER_OPTIONS)}`,
      { path: name, hint: `the options are: ${MANAGER_OPTIONS.join(', ')}` },
    );
  }
  checkNested(options.cache, CACHE_OPTIONS, 'cache');
  checkNested(options.masking, MASKING_OPTIONS, 'masking');
  checkNested(options.leases, LEASE_OPTIONS, 'leases');
  if (options.enableAuditLog !== undefined && typeof options.enableAuditLog !== 'boolean')
    throw new ConfigError('expected true or false', { path: 'enableAuditLog' });
  if (options.auditLogCallback !== undefined && typeof options.auditLogCallback !== 'function')
    throw new ConfigError('expected a function (entry) => void', { path: 'auditLogCallback' });
  if (options.plugins !== undefined && !Array.isArray(options.plugins))
    throw new ConfigError('expected a list of plugins', { path: 'plugins' });
  if (Array.isArray(options.providers))
    options.providers.forEach((entry, index) => {
      // A provider has its own fields; a registration ({ provider, priority, ... }) has only these.
      if (entry && typeof (entry as { get?: unknown }).get !== 'function')
        checkNested(entry, REGISTRATION_OPTIONS, `providers[${index}]`);
    });
}

function checkNested(section: unknown, known: readonly string[], path: string): void {
  if (section === undefined) return;
  if (typeof section !== 'object' || section === null || Array.isArray(section))
    throw new ConfigError('expected an object', { path });
  for (const [name, value] of Object.entries(section))
    if (value !== undefined && !known.includes(name))
      throw new ConfigError(`unknown option '${name}'${suggestion(name, known)}`, {
        path: `${path}.${name}`,
        hint: `${path} takes: ${known.join(', ')}`,
      });
}

function warnOnce(name: string, message: string): void {
  if (warned.has(name)) return;
  warned.add(name);
  process.emitWarning(message, { code: 'HUSH_UNSUPPORTED_OPTION' });
}
