/**
 * The one place where Vault's wire shapes (paths, KV data, versions, leases, errors) become
 * hush's and back; hush's own fields inside custom_metadata are encoded by `custom-metadata.ts`.
 */
import {
  AccessDeniedError,
  createSecret,
  type HushError,
  type LeaseDescription,
  ProviderError,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  type SecretLease,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import { expiryFor, readCustomMetadata } from './custom-metadata.js';
import { parseVaultTime } from './time.js';

export interface KvPaths {
  data(key: string): string;
  metadata(key: string): string;
  /** The folder to LIST (ends with '/', or is the mount's root). */
  folder(folder: string): string;
  delete(key: string): string;
}

/** hush names map 1:1 onto Vault paths under `<mount>/…/<pathPrefix>`: Vault paths accept `/ - _ .`. */
export function kvPaths(mount: string, pathPrefix: string): KvPaths {
  const base = trimSlashes(mount);
  const prefix = trimSlashes(pathPrefix);
  const under = prefix ? `${prefix}/` : '';
  return {
    data: (key) => `${base}/data/${under}${key}`,
    metadata: (key) => `${base}/metadata/${under}${key}`,
    folder: (folder) => `${base}/metadata/${under}${folder}`,
    delete: (key) => `${base}/delete/${under}${key}`,
  };
}

export function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

/** What hush writes: the string under `value`. */
export function valueToData(value: string): Record<string, string> {
  return { value };
}

/**
 * A KV entry whose data is exactly `{ value: "<string>" }` reads as that string; any other map
 * reads as its JSON text, so `${secret:name#field}` picks a field of a map written by other tools.
 */
export function dataToValue(data: unknown): string {
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const keys = Object.keys(data);
    const single = (data as Record<string, unknown>).value;
    if (keys.length === 1 && typeof single === 'string') return single;
  }
  return JSON.stringify(data ?? {});
}

interface VaultVersionMetadata {
  created_time?: string;
  deletion_time?: string;
  destroyed?: boolean;
}

export function versionState(version: VaultVersionMetadata, now = Date.now()): SecretVersion['state'] {
  if (version.destroyed) return 'destroyed';
  const deletion = parseVaultTime(version.deletion_time);
  if (deletion && deletion.getTime() <= now) return 'deleted';
  return 'enabled';
}

/** `GET metadata/<key>` → hush's version list, newest first. */
export function toVersions(metadata: {
  current_version?: number;
  versions?: Record<string, VaultVersionMetadata>;
  custom_metadata?: unknown;
}): SecretVersion[] {
  return Object.entries(metadata.versions ?? {})
    .map(([number, version]) => {
      const entry: SecretVersion = {
        version: number,
        createdAt: parseVaultTime(version.created_time) ?? new Date(0),
        current: Number(number) === metadata.current_version,
        state: versionState(version),
      };
      const expiresAt = expiryFor(metadata.custom_metadata, number);
      if (expiresAt) entry.expiresAt = expiresAt;
      return entry;
    })
    .sort((a, b) => Number(b.version) - Number(a.version));
}

/** A failed request, reduced to what is safe to keep: no request body, no response data. */
export class VaultFailure extends Error {
  constructor(
    message: string,
    /** HTTP status, absent for network failures. */
    readonly status: number | undefined,
    /** Network error code (ECONNREFUSED, ECONNABORTED, ...). */
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'VaultFailure';
  }

  get transient(): boolean {
    if (this.status === undefined) return this.code !== undefined && this.code !== 'VALIDATION';
    return this.status >= 500 || this.status === 429;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * node-vault rejects with `{ message: errors[0], response: { statusCode, body } }` for HTTP errors
 * and with the raw axios error (which holds the request, body included) for network failures.
 * Only the status, the Vault error strings and the network code are kept.
 */
export function toFailure(error: unknown): VaultFailure {
  if (error instanceof VaultFailure) return error;
  const e = error as {
    message?: unknown;
    code?: unknown;
    response?: { statusCode?: unknown; body?: unknown };
  };
  const status = typeof e?.response?.statusCode === 'number' ? e.response.statusCode : undefined;
  if (status !== undefined) {
    const body = e.response?.body as { errors?: unknown } | undefined;
    const errors = Array.isArray(body?.errors)
      ? body.errors.map(String).map(cleanVaultError).filter(Boolean)
      : [];
    return new VaultFailure(errors.length ? errors.join('; ') : `HTTP ${status}`, status, undefined);
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || code.startsWith('E'))) {
    const text = typeof e.message === 'string' ? e.message : code;
    return new VaultFailure(text, undefined, code);
  }
  // Schema validation inside node-vault (tv4) and anything else: not worth a retry.
  return new VaultFailure(
    typeof e?.message === 'string' ? e.message : 'unexpected error',
    undefined,
    'VALIDATION',
  );
}

/** `"1 error occurred:\n\t* permission denied\n\n"` → `"permission denied"`. */
export function cleanVaultError(text: string): string {
  const items = [...text.matchAll(/\t\* ([^\n]*)/g)].map((m) => m[1]!.trim());
  return items.length ? items.join('; ') : text.trim();
}

export function isCasMismatch(failure: VaultFailure): boolean {
  return failure.status === 400 && /check-and-set parameter did not match/.test(failure.message);
}

export function isCasRequired(failure: VaultFailure): boolean {
  return failure.status === 400 && /check-and-set parameter required/.test(failure.message);
}

export interface FailureContext {
  provider: string;
  operation: string;
  key?: string;
}

/** Turns a request failure into hush's typed error. Messages name the operation and key, never a value. */
export function toHushError(failure: VaultFailure, context: FailureContext): HushError {
  const subject = context.key ? `${context.operation} '${context.key}'` : context.operation;
  if (failure.status === 403 || failure.status === 401) {
    return new AccessDeniedError(`vault provider '${context.provider}': permission denied for ${subject}`, {
      operation: context.operation,
    });
  }
  if (failure.transient) {
    const what = failure.status ? `HTTP ${failure.status}: ${failure.message}` : failure.message;
    return new ProviderUnavailableError(`vault is unavailable for ${subject}`, [
      {
        provider: context.provider,
        code: failure.status ? String(failure.status) : (failure.code ?? 'UNKNOWN'),
        message: what,
      },
    ]);
  }
  if (failure.status === 400 && isCasMismatch(failure)) return new VersionConflictError(context.key ?? '');
  if (failure.status === 400) return new ValidationError(`vault rejected ${subject}: ${failure.message}`);
  return new ProviderError(
    context.provider,
    `${subject} failed: ${failure.status ? `HTTP ${failure.status}: ` : ''}${failure.message}`,
  );
}

/** A KV v2 data read as Vault answers it. */
export interface DataResponse {
  data?: {
    data?: Record<string, unknown> | null;
    metadata?: {
      version?: number;
      created_time?: string;
      deletion_time?: string;
      destroyed?: boolean;
      custom_metadata?: unknown;
    };
  };
}

/** A KV v2 data write as Vault answers it. */
export interface WriteResponse {
  data?: { version?: number; created_time?: string; custom_metadata?: unknown };
}

/** A KV v2 metadata read as Vault answers it. */
export interface MetadataResponse {
  data?: {
    current_version?: number;
    created_time?: string;
    updated_time?: string;
    custom_metadata?: unknown;
    versions?: Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>;
  };
}

/**
 * A secret's description from its version and custom metadata. A date Vault left out is the
 * epoch ("unknown"), never "now", which would read as a fresh write.
 */
export function toSecretInfo(
  key: string,
  version: number,
  custom: unknown,
  dates: { createdAt?: Date; updatedAt?: Date },
  provider: string,
): SecretInfo {
  const described = readCustomMetadata(custom, version);
  const createdAt = dates.createdAt ?? new Date(0);
  const info: SecretInfo = {
    key,
    version: String(version),
    createdAt,
    updatedAt: dates.updatedAt ?? createdAt,
    metadata: described.metadata,
    tags: described.tags,
    provider,
  };
  if (described.expiresAt) info.expiresAt = described.expiresAt;
  if (described.scope !== undefined) info.scope = described.scope;
  return info;
}

/** A KV v2 data read as a Secret; null when it holds no data (deleted or destroyed version). */
export function toSecret(key: string, answer: DataResponse, provider: string): Secret | null {
  const metadata = answer.data?.metadata;
  if (!answer.data || !metadata || answer.data.data == null) return null;
  const version = Number(metadata.version);
  const created = parseVaultTime(metadata.created_time);
  const info = toSecretInfo(
    key,
    version,
    metadata.custom_metadata,
    created ? { createdAt: created } : {},
    provider,
  );
  return createSecret({ ...info, value: dataToValue(answer.data.data) });
}

/** A read of a dynamic path (`database/creds/<role>`): the data plus the lease that covers it. */
export interface LeasedResponse {
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: Record<string, unknown> | null;
}

/** A dynamic credential as a Secret: its data as JSON text (`#username`, `#password`), its lease kept. */
export function toLeasedSecret(
  key: string,
  answer: LeasedResponse,
  provider: string,
  now: number,
): Secret | null {
  if (!answer.data) return null;
  const lease = toLease(answer, now);
  const issued = new Date(now);
  return createSecret({
    key,
    version: lease ? (lease.id.split('/').pop() ?? lease.id) : '0',
    createdAt: issued,
    updatedAt: issued,
    provider,
    value: dataToValue(answer.data),
    ...(lease ? { lease, expiresAt: lease.expiresAt } : {}),
  });
}

/** `lease_id`, `lease_duration`, `renewable` of an answer (a read or a renewal) as hush's lease. */
export function toLease(answer: LeasedResponse, now: number): SecretLease | undefined {
  if (!answer.lease_id) return undefined;
  const duration = Number(answer.lease_duration ?? 0);
  return {
    id: answer.lease_id,
    durationSeconds: duration,
    renewable: answer.renewable === true,
    expiresAt: new Date(now + duration * 1000),
  };
}

/** `sys/leases/lookup`'s data as a lease description. */
export function toLeaseDescription(data: {
  id?: string;
  issue_time?: string;
  expire_time?: string | null;
  renewable?: boolean;
  ttl?: number;
}): LeaseDescription {
  const issued = parseVaultTime(data.issue_time);
  return {
    id: String(data.id ?? ''),
    ...(issued ? { issuedAt: issued } : {}),
    expiresAt: parseVaultTime(data.expire_time ?? undefined) ?? new Date(0),
    renewable: data.renewable === true,
    ttlSeconds: Number(data.ttl ?? 0),
  };
}
