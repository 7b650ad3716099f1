import { ConfigError } from './errors.js';
import { optionNames, suggestion } from './toolkit/options.js';
import type { CacheOptions, ProviderRegistration, SecretManagerOptions } from './types.js';

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
