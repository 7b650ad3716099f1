/**
 * The only place where Secret Manager's wire shapes (ids, labels, versions, timestamps, gRPC
 * errors) become hush's.
 */
import {
  AccessDeniedError,
  HushError,
  InvalidSecretNameError,
  ProviderError,
  ProviderUnavailableError,
  type SecretInfo,
  SecretNotFoundError,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';

export type NameMapping = 'escape' | 'plain';

/** GCP's secret id rule. */
export const SECRET_ID = /^[a-zA-Z0-9_-]{1,255}$/;

/**
 * `escape` mapping: `_` is the escape character; `_` becomes `__`, `/` becomes `_-`, `.` becomes `_d`;
 * letters, digits and `-` stay. Each character maps on its own, so the mapping is reversible and
 * keeps prefixes (the id of `a/` starts the id of every `a/...`).
 */
const ESCAPE: Record<string, string> = { _: '__', '/': '_-', '.': '_d' };
const UNESCAPE: Record<string, string> = { _: '_', '-': '/', d: '.' };

/** hush name → GCP secret id. Validates the hush name first, then GCP's own rule. */
export function toSecretId(key: string, mapping: NameMapping): string {
  validateSecretName(key);
  const id = mapping === 'plain' ? key : key.replace(/[_/.]/g, (c) => ESCAPE[c]!);
  if (mapping === 'plain' && !SECRET_ID.test(id))
    throw new InvalidSecretNameError(
      key,
      "GCP secret ids allow only letters, digits, '-' and '_' (use nameMapping 'escape' for '/' and '.')",
    );
  if (id.length > 255)
    throw new InvalidSecretNameError(key, 'longer than 255 characters once mapped to a GCP secret id');
  return id;
}

/** GCP secret id → hush name, or null when the id is not the image of any hush name. */
export function fromSecretId(id: string, mapping: NameMapping): string | null {
  if (mapping === 'plain') return SECRET_ID.test(id) ? id : null;
  let key = '';
  for (let i = 0; i < id.length; i++) {
    const c = id[i]!;
    if (c !== '_') {
      key += c;
      continue;
    }
    const decoded = UNESCAPE[id[i + 1] ?? ''];
    if (decoded === undefined) return null;
    key += decoded;
    i++;
  }
  try {
    validateSecretName(key);
  } catch {
    return null;
  }
  return key;
}

/** The last segment of a resource name: the secret id or the version number. */
export function lastSegment(name: string | null | undefined): string {
  return (
    String(name ?? '')
      .split('/')
      .pop() ?? ''
  );
}

// GCP label rules: keys start with a lowercase letter, then lowercase letters, digits, '_' and '-',
// 1 to 63 characters; values 0 to 63 of the same; at most 128 bytes of UTF-8 each; at most 64 labels.
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
export const MAX_LABELS = 64;

/** Checks hush tags against GCP's label rules; the error names the offending tag (never a secret value). */
export function toLabels(tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_LABELS)
    throw new ValidationError(`GCP allows at most ${MAX_LABELS} labels; got ${entries.length} tags`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key) || Buffer.byteLength(key) > 128)
      throw new ValidationError(
        `tag '${key}' is not a valid GCP label key: start with a lowercase letter, then lowercase letters, digits, '_' or '-', at most 63 characters`,
      );
    if (typeof value !== 'string' || !LABEL_VALUE.test(value) || Buffer.byteLength(value) > 128)
      throw new ValidationError(
        `tag '${key}' has a value that is not a valid GCP label value: lowercase letters, digits, '_' or '-', at most 63 characters`,
      );
  }
  return Object.fromEntries(entries);
}

export interface WireTimestamp {
  seconds?: number | string | { toString(): string } | null;
  nanos?: number | null;
}

export function toDate(timestamp: WireTimestamp | null | undefined): Date | undefined {
  if (!timestamp || timestamp.seconds === undefined || timestamp.seconds === null) return undefined;
  return new Date(Number(String(timestamp.seconds)) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}

export function toTimestamp(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function toVersionState(state: unknown): SecretVersion['state'] {
  switch (state) {
    case 'ENABLED':
    case 1:
      return 'enabled';
    case 'DISABLED':
    case 2:
      return 'disabled';
    default:
      return 'destroyed';
  }
}

/** The fields of a SecretVersion resource hush reads. */
export interface WireVersion {
  name?: string | null;
  createTime?: WireTimestamp | null;
  state?: unknown;
}

/** A SecretVersion resource as hush's description (never current: the caller marks `latest`). A missing date is the epoch. */
export function toSecretVersion(version: WireVersion): SecretVersion {
  return {
    version: lastSegment(version.name),
    createdAt: toDate(version.createTime) ?? new Date(0),
    current: false,
    state: toVersionState(version.state),
  };
}

/** gRPC status codes as numbers (google-gax reports `err.code`). */
export const Code = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server's own words, without the SDK's decorations; the service never echoes payloads. */
function describe(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown } | null;
  const text = typeof e?.details === 'string' && e.details ? e.details : String(e?.message ?? error);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/**
 * What an error keeps of the SDK failure as its `cause`: name, gRPC code and the server's words.
 * Never the SDK error itself, which carries call metadata and whatever gax attached to it.
 */
export function safeCause(error: unknown): Error {
  const cause = new Error(describe(error));
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string') cause.name = name;
  const code = grpcCode(error);
  return code === undefined ? cause : Object.assign(cause, { code, codeName: CODE_NAMES[code] });
}

/** Turns any failure of an SDK call into hush's typed errors. */
export function toHushError(
  error: unknown,
  context: { provider: string; key?: string; operation: string },
): Error {
  if (error instanceof HushError) return error;
  const code = grpcCode(error);
  const what = context.key ? `secret '${context.key}'` : 'secrets';
  const detail = describe(error);
  switch (code) {
    case Code.NOT_FOUND:
      return new SecretNotFoundError(context.key ?? '(unknown)', { provider: context.provider });
    case Code.PERMISSION_DENIED:
    case Code.UNAUTHENTICATED:
      return new AccessDeniedError(
        `gcp provider '${context.provider}' may not ${context.operation} ${what}: ${detail}`,
        {
          cause: safeCause(error),
          operation: context.operation,
        },
      );
    case Code.INVALID_ARGUMENT:
      return new ValidationError(
        `gcp provider '${context.provider}' rejected ${context.operation} of ${what}: ${detail}`,
        {
          cause: safeCause(error),
        },
      );
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return new VersionConflictError(context.key ?? '(unknown)');
    case Code.FAILED_PRECONDITION:
      return new ProviderError(context.provider, `${context.operation} of ${what} refused: ${detail}`, {
        cause: safeCause(error),
      });
    case Code.UNAVAILABLE:
    case Code.DEADLINE_EXCEEDED:
    case Code.INTERNAL:
    case Code.RESOURCE_EXHAUSTED:
    case Code.CANCELLED:
    case Code.UNKNOWN:
      return new ProviderUnavailableError(
        `gcp provider '${context.provider}' could not ${context.operation} ${what}`,
        [
          {
            provider: context.provider,
            code: code === undefined ? 'UNKNOWN' : CODE_NAMES[code]!,
            message: detail,
          },
        ],
        { cause: safeCause(error) },
      );
    case undefined:
      // No gRPC status: the call never left the client, most often because ADC found no credentials.
      if (/credential/i.test(detail))
        return new AccessDeniedError(
          `gcp provider '${context.provider}' has no usable credentials: ${detail}`,
          {
            cause: safeCause(error),
            operation: context.operation,
          },
        );
      return new ProviderError(context.provider, `${context.operation} of ${what} failed: ${detail}`, {
        cause: safeCause(error),
      });
    default:
      return new ProviderError(context.provider, `${context.operation} of ${what} failed: ${detail}`, {
        cause: safeCause(error),
      });
  }
}

/** The fields of a Secret resource hush reads. */
export interface WireSecret {
  name?: string | null;
  createTime?: WireTimestamp | null;
  expireTime?: WireTimestamp | null;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
}

/** A Secret resource (and the version served) as hush's description. A missing date is the epoch. */
export function toSecretInfo(
  key: string,
  secret: WireSecret | undefined,
  version: string,
  provider: string,
  updatedAt?: Date,
): SecretInfo {
  const createdAt = toDate(secret?.createTime) ?? new Date(0);
  const info: SecretInfo = {
    key,
    version,
    createdAt,
    updatedAt: updatedAt ?? createdAt,
    metadata: { ...(secret?.annotations ?? {}) },
    tags: { ...(secret?.labels ?? {}) },
    provider,
  };
  const expiresAt = toDate(secret?.expireTime);
  if (expiresAt) info.expiresAt = expiresAt;
  return info;
}
