/**
 * The one place where Vault's wire shapes (paths, KV data, custom metadata, versions, errors)
 * become hush's and back.
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

/** Custom-metadata keys hush reserves for itself; every other key is a tag. */
export const RESERVED_PREFIX = 'hush.';
const EXPIRY_PREFIX = 'hush.expires-at.';
const METADATA_PREFIX = 'hush.meta.';
const SCOPE_KEY = 'hush.scope';
/** Expiry keys kept per secret (one per version); Vault allows 64 custom-metadata keys in all. */
const EXPIRY_KEYS_KEPT = 10;

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

/** Vault prints RFC 3339 with nanoseconds; keep milliseconds. */
export function parseVaultTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export interface DescribedMetadata {
  tags: Record<string, string>;
  metadata: Record<string, string>;
  scope?: string;
  expiresAt?: Date;
}

/** Splits a key's custom_metadata into tags, hush metadata, scope and the given version's expiry. */
export function readCustomMetadata(custom: unknown, version: number | string): DescribedMetadata {
  const result: DescribedMetadata = { tags: {}, metadata: {} };
  if (!custom || typeof custom !== 'object') return result;
  for (const [key, raw] of Object.entries(custom as Record<string, unknown>)) {
    const value = String(raw);
    if (key === SCOPE_KEY) result.scope = value;
    else if (key.startsWith(METADATA_PREFIX)) result.metadata[key.slice(METADATA_PREFIX.length)] = value;
    else if (key.startsWith(EXPIRY_PREFIX)) {
      if (key.slice(EXPIRY_PREFIX.length) === String(version)) result.expiresAt = parseVaultTime(value);
    } else if (!key.startsWith(RESERVED_PREFIX)) result.tags[key] = value;
  }
  return result;
}

export function expiryFor(custom: unknown, version: number | string): Date | undefined {
  return readCustomMetadata(custom, version).expiresAt;
}

export interface MetadataUpdate {
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  scope?: string;
  expiresAt?: Date;
}

/**
 * The custom_metadata to store after writing `version`: given tags and metadata replace the old
 * ones, others are kept; the expiry is recorded for that version only.
 */
export function writeCustomMetadata(
  existing: unknown,
  version: number,
  update: MetadataUpdate,
): Record<string, string> {
  const current = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : {};
  const next: Record<string, string> = {};
  for (const [key, raw] of Object.entries(current)) {
    const value = String(raw);
    if (key.startsWith(EXPIRY_PREFIX)) {
      const forVersion = Number(key.slice(EXPIRY_PREFIX.length));
      if (forVersion > version - EXPIRY_KEYS_KEPT && forVersion !== version) next[key] = value;
    } else if (key.startsWith(METADATA_PREFIX)) {
      if (!update.metadata) next[key] = value;
    } else if (key === SCOPE_KEY) {
      if (update.scope === undefined) next[key] = value;
    } else if (!key.startsWith(RESERVED_PREFIX)) {
      if (!update.tags) next[key] = value;
    }
  }
  for (const [key, value] of Object.entries(update.tags ?? {})) {
    if (key.startsWith(RESERVED_PREFIX))
      throw new ValidationError(`tag '${key}' uses the prefix '${RESERVED_PREFIX}' that hush reserves`);
    next[key] = value;
  }
  for (const [key, value] of Object.entries(update.metadata ?? {})) next[`${METADATA_PREFIX}${key}`] = value;
  if (update.scope !== undefined) next[SCOPE_KEY] = update.scope;
  if (update.expiresAt) next[`${EXPIRY_PREFIX}${version}`] = update.expiresAt.toISOString();
  return next;
}

/**
 * Checks tags and metadata against KV's custom_metadata limits (64 keys, key 1–128 characters,
 * value 1–512) before anything is written, so that a refused tag never leaves a new version behind.
 */
export function checkMetadataUpdate(update: MetadataUpdate): void {
  const entries: Array<[string, string, string]> = [
    ...Object.entries(update.tags ?? {}).map(([k, v]): [string, string, string] => ['tag', k, v]),
    ...Object.entries(update.metadata ?? {}).map(([k, v]): [string, string, string] => [
      'metadata',
      `${METADATA_PREFIX}${k}`,
      v,
    ]),
    ...(update.scope !== undefined ? [['scope', SCOPE_KEY, update.scope] as [string, string, string]] : []),
  ];
  if (entries.length > 64 - EXPIRY_KEYS_KEPT)
    throw new ValidationError(
      `vault keeps at most ${64 - EXPIRY_KEYS_KEPT} tags and metadata entries per secret`,
    );
  for (const [kind, key, value] of entries) {
    if (kind === 'tag' && key.startsWith(RESERVED_PREFIX))
      throw new ValidationError(`tag '${key}' uses the prefix '${RESERVED_PREFIX}' that hush reserves`);
    if (key.length === 0 || key.length > 128)
      throw new ValidationError(`${kind} key '${key.slice(0, 40)}' must be 1 to 128 characters in Vault`);
    if (typeof value !== 'string' || value.length === 0 || value.length > 512)
      throw new ValidationError(
        `${kind} '${key.slice(0, 40)}' needs a value of 1 to 512 characters in Vault`,
      );
  }
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
