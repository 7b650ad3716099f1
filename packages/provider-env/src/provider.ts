import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  createSecret,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  READ_ONLY_CAPABILITIES,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  UnsupportedOperationError,
  validateSecretName,
} from '@hush/core';
import { DEFAULT_PREFIX, loadMappingFile, toSecretName, toVariableName, validateMapping } from './mapping.js';

export interface EnvProviderOptions {
  /** Instance name. Default `env`. */
  name?: string;
  /** Variables holding secrets start with this. Default `HUSH_SECRET_`. */
  prefix?: string;
  /**
   * Upper-case names to find their variables (`api-key-stripe` → `HUSH_SECRET_API_KEY_STRIPE`).
   * Default true; false keeps the case (`HUSH_SECRET_api_key_stripe`). Also accepted as `uppercaseNames`.
   */
  uppercaseNames?: boolean;
  /** Also find `database-url` in `DATABASE_URL` (never in `HUSH_*` variables such as HUSH_MASTER_KEY). Default false. */
  allowUnprefixed?: boolean;
  /**
   * Secret name → variable name, checked first: `{ 'database/connection/url': 'DATABASE_URL' }`.
   * Consulted on every call (not copied), so entries added later are seen.
   */
  mapping?: Record<string, string>;
  /** A YAML or JSON file holding such a table (relative to `root`); `mapping` entries win over it. */
  mappingFile?: string;
  /** Base for a relative `mappingFile`. Default `process.cwd()`. */
  root?: string;
  /** The variables to read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Read the environment on every call instead of a snapshot taken at initialize. Default false. */
  live?: boolean;
  /** The same choice named the other way: `snapshot: false` is `live: true`. Default true. */
  snapshot?: boolean;
}

/** Env values have no history: every secret is at this version. */
export const ENV_VERSION = 'current';

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<EnvProviderOptions>()({
  name: true,
  prefix: true,
  uppercaseNames: true,
  allowUnprefixed: true,
  mapping: true,
  mappingFile: true,
  root: true,
  env: true,
  live: true,
  snapshot: true,
});

/**
 * Secrets from environment variables, read-only. Writes fail with UnsupportedOperationError so
 * that nothing pretends to persist what a process environment cannot keep.
 */
export class EnvSecretProvider implements SecretProvider {
  readonly kind = 'env';
  /** The process environment: offline mode reads it, and the persistent cache never copies it. */
  readonly offline = true;
  readonly name: string;
  readonly capabilities: ProviderCapabilities = Object.freeze({ ...READ_ONLY_CAPABILITIES, batchGet: true });
  readonly prefix: string;
  readonly #uppercase: boolean;
  readonly #live: boolean;

  readonly #options: EnvProviderOptions;
  readonly #source: Record<string, string | undefined>;
  #snapshot: { env: Record<string, string | undefined>; at: Date } | undefined;
  #fileMapping: Record<string, string> | undefined;
  #ready: Promise<void> | undefined;

  constructor(options: EnvProviderOptions = {}) {
    refuseUnknownOptions(options, OPTION_NAMES, 'env provider', 'config');
    this.#options = options;
    this.name = options.name ?? 'env';
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#uppercase = options.uppercaseNames ?? true;
    this.#live = options.live ?? options.snapshot === false;
    if (options.live !== undefined && options.snapshot !== undefined && options.live === options.snapshot)
      throw new ConfigError(`live: ${options.live} and snapshot: ${options.snapshot} contradict each other`);
    this.#source = options.env ?? process.env;
    if (options.mapping) validateMapping(options.mapping, 'the mapping option');
  }

  /** Loads the mapping file and takes the snapshot (unless `live`). Runs once; reads call it. */
  initialize(): Promise<void> {
    this.#ready ??= (async () => {
      const file = this.#options.mappingFile;
      if (file)
        this.#fileMapping = await loadMappingFile(
          isAbsolute(file) ? file : resolve(this.#options.root ?? process.cwd(), file),
        );
      if (!this.#live) this.#snapshot = { env: { ...this.#source }, at: new Date() };
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    options.abortSignal?.throwIfAborted();
    validateSecretName(key);
    await this.initialize();
    if (options.version !== undefined && options.version !== ENV_VERSION) return null;
    return this.#read(key);
  }

  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    options.abortSignal?.throwIfAborted();
    for (const key of keys) validateSecretName(key);
    await this.initialize();
    return new Map(keys.map((key) => [key, this.#read(key)]));
  }

  /** Mapped names as written in the mapping; other prefixed variables by the lossy way back. */
  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    options.abortSignal?.throwIfAborted();
    await this.initialize();
    const env = this.#env();
    const mapping = this.#mapping();
    const mappedVariables = new Set(Object.values(mapping));
    const names = new Map<string, string>();
    for (const [name, variable] of Object.entries(mapping))
      if (env[variable] !== undefined) names.set(name, variable);
    for (const [variable, value] of Object.entries(env)) {
      if (value === undefined || mappedVariables.has(variable)) continue;
      let name = toSecretName(variable, this.prefix, this.#uppercase);
      if (name === undefined && this.#options.allowUnprefixed && unprefixedAllowed(variable))
        name = toSecretName(variable, '', this.#uppercase);
      // Only names that lead back to this very variable (HUSH_SECRET_foo would list as `foo` but `foo` reads HUSH_SECRET_FOO).
      if (name === undefined || !this.variablesFor(name).includes(variable)) continue;
      // The variable `get` would answer from (the prefixed one when both are set).
      if (!names.has(name)) names.set(name, this.variablesFor(name).find((v) => env[v] !== undefined)!);
    }
    const prefix = options.prefix ?? '';
    return [...names]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, variable]) => this.#info(name, variable));
  }

  async health(): Promise<ProviderHealth> {
    try {
      await this.initialize();
      return {
        status: 'healthy',
        details: { live: this.#live, mapped: Object.keys(this.#mapping()).length },
      };
    } catch (error) {
      return { status: 'unhealthy', message: (error as Error).message };
    }
  }

  async set(): Promise<never> {
    throw this.#readOnly('set');
  }

  async delete(): Promise<never> {
    throw this.#readOnly('delete');
  }

  async rollback(): Promise<never> {
    throw this.#readOnly('rollback');
  }

  /** Which variable a name is read from (the first that is set), for diagnostics. */
  variablesFor(key: string): string[] {
    validateSecretName(key);
    const mapping = this.#mapping();
    const mapped = Object.hasOwn(mapping, key) ? mapping[key] : undefined;
    if (mapped) return [mapped];
    const candidates = [toVariableName(key, this.prefix, this.#uppercase)];
    const bare = toVariableName(key, '', this.#uppercase);
    if (this.#options.allowUnprefixed && unprefixedAllowed(bare)) candidates.push(bare);
    return candidates;
  }

  #read(key: string): Secret | null {
    const env = this.#env();
    const variable = this.variablesFor(key).find((v) => env[v] !== undefined);
    if (variable === undefined) return null;
    const canonical = this.#canonicalName(key, variable);
    return createSecret({
      ...this.#info(key, variable),
      value: env[variable]!,
      ...(canonical !== key ? { canonicalName: canonical } : {}),
    });
  }

  /**
   * The one name of what a variable holds, as `list` shows it: several names reach the same
   * variable (`db/password`, `db_password`, `DB.PASSWORD`), and access control must decide on
   * this one. A mapped name is its own canonical name.
   */
  #canonicalName(key: string, variable: string): string {
    if (Object.hasOwn(this.#mapping(), key)) return key;
    return (
      toSecretName(variable, this.prefix, this.#uppercase) ??
      toSecretName(variable, '', this.#uppercase) ??
      key
    );
  }

  #info(key: string, variable: string): SecretInfo {
    const at = this.#snapshot?.at ?? new Date();
    return {
      key,
      version: ENV_VERSION,
      createdAt: at,
      updatedAt: at,
      metadata: { variable },
      tags: {},
      provider: this.name,
    };
  }

  #env(): Record<string, string | undefined> {
    return this.#snapshot?.env ?? this.#source;
  }

  #mapping(): Record<string, string> {
    return { ...this.#fileMapping, ...this.#options.mapping };
  }

  #readOnly(operation: string): UnsupportedOperationError {
    return new UnsupportedOperationError(
      this.name,
      operation,
      `provider '${this.name}' is read-only (environment variables cannot be ${operation === 'delete' ? 'deleted' : 'written'} through hush)`,
    );
  }
}

/** Bootstrap variables (HUSH_MASTER_KEY ...) are never served as unprefixed secrets. */
function unprefixedAllowed(variable: string): boolean {
  return !variable.startsWith('HUSH_');
}
