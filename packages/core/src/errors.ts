/**
 * Typed errors with stable `code` fields. No error built here ever carries a secret value:
 * messages name secrets, providers and paths, never what is stored.
 */

const BRAND = Symbol.for('hush.error');

export type HushErrorCode =
  | 'SECRET_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'PROVIDER_UNAVAILABLE'
  | 'UNSUPPORTED_OPERATION'
  | 'INVALID_SECRET_NAME'
  | 'CONFIG_ERROR'
  | 'VALIDATION_ERROR'
  | 'INTEGRITY_ERROR'
  | 'VERSION_CONFLICT'
  | 'PLUGIN_NOT_FOUND'
  | 'UNRESOLVED_REFERENCES'
  | 'PROVIDER_ERROR'
  | 'FILE_ACCESS_DENIED';

export interface HushErrorOptions {
  cause?: unknown;
  hint?: string;
}

export class HushError extends Error {
  readonly code: HushErrorCode;
  /** A short suggestion for the operator, shown by the CLI under the message. */
  readonly hint?: string;
  readonly [BRAND] = true;

  constructor(code: HushErrorCode, message: string, options: HushErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.hint) this.hint = options.hint;
  }

  /**
   * Checks by brand and code rather than prototype, so that an error thrown by a provider
   * loaded with its own copy of @hush/core (ESM next to CJS) is still recognised.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
    // `this` is the class being tested against: subclasses are told apart by their own CODE.
    // biome-ignore lint/complexity/noThisInStatic: deliberate, see above
    if (this === HushError) return true;
    // biome-ignore lint/complexity/noThisInStatic: deliberate, see above
    const code = (this as unknown as { CODE?: string }).CODE;
    return code !== undefined && (value as HushError).code === code;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

export class SecretNotFoundError extends HushError {
  static readonly CODE = 'SECRET_NOT_FOUND';
  constructor(
    readonly secretName: string,
    detail?: { provider?: string; version?: string; field?: string },
  ) {
    const where = [
      detail?.version ? `version ${detail.version}` : '',
      detail?.field ? `field '${detail.field}'` : '',
      detail?.provider ? `in provider '${detail.provider}'` : '',
    ]
      .filter(Boolean)
      .join(' ');
    super('SECRET_NOT_FOUND', `secret '${secretName}' not found${where ? ` (${where})` : ''}`);
  }
}

export class AccessDeniedError extends HushError {
  static readonly CODE = 'ACCESS_DENIED';
  constructor(message: string, options: HushErrorOptions & { accessor?: string; operation?: string } = {}) {
    super('ACCESS_DENIED', message, options);
    this.accessor = options.accessor;
    this.operation = options.operation;
  }
  readonly accessor?: string;
  readonly operation?: string;
}

export interface ProviderFailure {
  provider: string;
  code: string;
  message: string;
}

export class ProviderUnavailableError extends HushError {
  static readonly CODE = 'PROVIDER_UNAVAILABLE';
  readonly failures: ProviderFailure[];
  constructor(message: string, failures: ProviderFailure[] = [], options: HushErrorOptions = {}) {
    const detail = failures.map((f) => `${f.provider}: ${f.message}`).join('; ');
    super('PROVIDER_UNAVAILABLE', detail ? `${message} (${detail})` : message, options);
    this.failures = failures;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failures: this.failures };
  }
}

export class UnsupportedOperationError extends HushError {
  static readonly CODE = 'UNSUPPORTED_OPERATION';
  constructor(
    readonly provider: string,
    readonly operation: string,
    message = `provider '${provider}' does not support ${operation}`,
  ) {
    super('UNSUPPORTED_OPERATION', message);
  }
}

export class InvalidSecretNameError extends HushError {
  static readonly CODE = 'INVALID_SECRET_NAME';
  constructor(
    readonly secretName: string,
    reason: string,
  ) {
    super(
      'INVALID_SECRET_NAME',
      `invalid secret name ${JSON.stringify(secretName.slice(0, 200))}: ${reason}`,
    );
  }
}

export class ConfigError extends HushError {
  static readonly CODE = 'CONFIG_ERROR';
  readonly file?: string;
  readonly path?: string;
  constructor(
    message: string,
    details: { file?: string; path?: string; hint?: string; cause?: unknown } = {},
  ) {
    const where = [details.file, details.path].filter(Boolean).join(': ');
    super('CONFIG_ERROR', where ? `${where}: ${message}` : message, details);
    this.file = details.file;
    this.path = details.path;
  }
}

export class ValidationError extends HushError {
  static readonly CODE = 'VALIDATION_ERROR';
  constructor(message: string, options: HushErrorOptions = {}) {
    super('VALIDATION_ERROR', message, options);
  }
}

/** Stored data failed authentication: tampered, truncated, moved, or read with the wrong key. */
export class IntegrityError extends HushError {
  static readonly CODE = 'INTEGRITY_ERROR';
  constructor(
    message: string,
    readonly secretName?: string,
    options: HushErrorOptions = {},
  ) {
    super('INTEGRITY_ERROR', message, options);
  }
}

/** A compare-and-set or optimistic-concurrency check failed. */
export class VersionConflictError extends HushError {
  static readonly CODE = 'VERSION_CONFLICT';
  constructor(
    readonly secretName: string,
    message = `secret '${secretName}' was changed concurrently (version conflict)`,
  ) {
    super('VERSION_CONFLICT', message);
  }
}

export class PluginNotFoundError extends HushError {
  static readonly CODE = 'PLUGIN_NOT_FOUND';
  constructor(
    readonly packageName: string,
    searchedFrom: string,
    /** Where the configuration names the provider, e.g. `environments.dev.providers[1]`. */
    readonly configPath?: string,
  ) {
    super(
      'PLUGIN_NOT_FOUND',
      `provider package '${packageName}' is not installed${configPath ? ` (named at ${configPath})` : ''}; looked from ${searchedFrom}`,
      {
        hint: `install it: npm install ${packageName}`,
      },
    );
  }
}

export interface UnresolvedReference {
  /** Where in the document, e.g. `database.url` or `servers[2].token`; empty for a bare string. */
  path: string;
  reference: string;
  reason: string;
}

export class UnresolvedReferencesError extends HushError {
  static readonly CODE = 'UNRESOLVED_REFERENCES';
  constructor(readonly references: UnresolvedReference[]) {
    super(
      'UNRESOLVED_REFERENCES',
      `${references.length} unresolved secret reference${references.length === 1 ? '' : 's'}: ` +
        references.map((r) => `${r.path || '(root)'} -> \${secret:${r.reference}} (${r.reason})`).join(', '),
    );
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), references: this.references };
  }
}

/** Any other failure a provider reports that is neither not-found nor an outage. */
export class ProviderError extends HushError {
  static readonly CODE = 'PROVIDER_ERROR';
  constructor(
    readonly provider: string,
    message: string,
    options: HushErrorOptions = {},
  ) {
    super('PROVIDER_ERROR', `${provider}: ${message}`, options);
  }
}

/**
 * The operating system refused access to a file hush needs (EACCES, EPERM): a store, a key file,
 * a policy file. An answer, not an outage: a read stops here instead of trying the next provider.
 */
export class FileAccessError extends HushError {
  static readonly CODE = 'FILE_ACCESS_DENIED';
  constructor(
    readonly file: string,
    what: string,
    options: HushErrorOptions = {},
  ) {
    super('FILE_ACCESS_DENIED', `cannot access ${what} ${file}: permission denied`, {
      hint:
        options.hint ?? `check the owner and mode of ${file} (ls -l), and run hush as the user who owns it`,
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
  }
}

export function isHushError(value: unknown): value is HushError {
  return value instanceof HushError;
}
