import { createHash } from 'node:crypto';
import {
  AccessDeniedError,
  HushError,
  InvalidSecretNameError,
  ProviderError,
  ProviderUnavailableError,
  type SecretInfo,
  ValidationError,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import type { V1Secret } from '@kubernetes/client-node';

/**
 * The one place where Kubernetes shapes (Secret names, data keys, labels, annotations,
 * resourceVersions, API errors) become hush's and back.
 */

/** How hush names map to Secrets: one data key each (`key`) or one whole Secret each (`secret`). */
export type MappingMode = 'key' | 'secret';

/** The exact hush path a Secret stands for, kept when its name had to be derived. */
export const PATH_ANNOTATION = 'hush.dev/path';
/** Per-entry descriptive fields (updatedAt, expiresAt, metadata, scope) as JSON keyed by data key. */
export const ENTRIES_ANNOTATION = 'hush.dev/entries';
/** The entry key used in `secret` mode, where the whole Secret is one hush secret (never a valid data key). */
export const WHOLE_SECRET_ENTRY = '*';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_NAME = 253;

export function isDnsSubdomain(name: string): boolean {
  return name.length <= MAX_NAME && DNS1123_SUBDOMAIN.test(name);
}

/**
 * The Secret name for a hush path. A path that already is a DNS-1123 subdomain is used as is;
 * any other (upper case, `_`, `/`) becomes a readable lower-case form plus 10 hex digits of its
 * SHA-256 (`App/DB_url` → `app.db-url-<hash>`), and the exact path is kept in the
 * `hush.dev/path` annotation, which is how the mapping is reversed.
 */
export function secretNameFor(path: string): string {
  if (isDnsSubdomain(path)) return path;
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 10);
  const labels = path
    .toLowerCase()
    .replace(/\//g, '.')
    .replace(/[^a-z0-9.-]/g, '-')
    .split('.')
    .map((label) => label.slice(0, 50).replace(/^-+|-+$/g, ''))
    .filter(Boolean);
  let base = labels
    .join('.')
    .slice(0, 200)
    .replace(/[-.]+$/, '');
  if (!base) base = 'hush';
  return `${base}-${hash}`;
}

/** The hush path a Secret holds: its annotation when its name was derived, else its name. */
export function pathOfSecret(secret: V1Secret): string | undefined {
  const name = secret.metadata?.name;
  if (!name) return undefined;
  const annotated = secret.metadata?.annotations?.[PATH_ANNOTATION];
  if (annotated !== undefined && secretNameFor(annotated) === name) return annotated;
  return isDnsSubdomain(name) ? name : undefined;
}

/** True when the Secret found under a derived name really is the one for this path (not a hash collision). */
export function holdsPath(secret: V1Secret, path: string): boolean {
  return pathOfSecret(secret) === path;
}

export interface Location {
  /** The hush path the Secret stands for. */
  path: string;
  secretName: string;
  /** The data key (key mode) or `*` (secret mode). */
  entry: string;
}

function dataKeyErrors(key: string): string | undefined {
  if (key.length > MAX_NAME) return `a Kubernetes data key is at most ${MAX_NAME} characters`;
  if (key.startsWith('..')) return "a Kubernetes data key cannot start with '..'";
  return undefined;
}

/**
 * Where a hush name lives. Key mode: `a/b/c` is key `c` of the Secret for `a/b`; a name
 * without `/` is key `defaultKey` of the Secret of that name, so `x/<defaultKey>` is refused
 * (it would be a second spelling of `x`). Secret mode: the whole name is one Secret.
 */
export function locate(key: string, mode: MappingMode, defaultKey: string): Location {
  validateSecretName(key);
  if (mode === 'secret') return { path: key, secretName: secretNameFor(key), entry: WHOLE_SECRET_ENTRY };
  const slash = key.lastIndexOf('/');
  if (slash < 0) return { path: key, secretName: secretNameFor(key), entry: defaultKey };
  const path = key.slice(0, slash);
  const entry = key.slice(slash + 1);
  if (!path.includes('/') && entry === defaultKey)
    throw new InvalidSecretNameError(
      key,
      `'${key}' is key '${defaultKey}' of Secret '${path}', which hush names '${path}': use that name`,
    );
  const problem = dataKeyErrors(entry);
  if (problem) throw new InvalidSecretNameError(key, problem);
  return { path, secretName: secretNameFor(path), entry };
}

/** The hush name of one entry of a Secret (the inverse of `locate`). */
export function nameOfEntry(path: string, entry: string, mode: MappingMode, defaultKey: string): string {
  if (mode === 'secret') return path;
  if (!path.includes('/') && entry === defaultKey) return path;
  return `${path}/${entry}`;
}

export interface EntryMeta {
  updatedAt?: string;
  expiresAt?: string;
  metadata?: Record<string, string>;
  scope?: string;
}

export function readEntries(secret: V1Secret | undefined): Record<string, EntryMeta> {
  const text = secret?.metadata?.annotations?.[ENTRIES_ANNOTATION];
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, EntryMeta>)
      : {};
  } catch {
    // Hand-edited or foreign annotation: the entries simply have no recorded details.
    return {};
  }
}

export function writeEntries(annotations: Record<string, string>, entries: Record<string, EntryMeta>): void {
  if (Object.keys(entries).length === 0) delete annotations[ENTRIES_ANNOTATION];
  else annotations[ENTRIES_ANNOTATION] = JSON.stringify(entries);
}

export const encodeValue = (value: string): string => Buffer.from(value, 'utf8').toString('base64');
export const decodeValue = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

const toDate = (value: Date | string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** The descriptive fields of one entry; the version is the Secret's resourceVersion. */
export function infoOf(secret: V1Secret, key: string, entry: string, provider: string): SecretInfo {
  const meta = readEntries(secret)[entry] ?? {};
  const createdAt = toDate(secret.metadata?.creationTimestamp) ?? new Date(0);
  const info: SecretInfo = {
    key,
    version: secret.metadata?.resourceVersion ?? '',
    createdAt,
    updatedAt: toDate(meta.updatedAt) ?? createdAt,
    metadata: { ...(meta.metadata ?? {}) },
    tags: { ...(secret.metadata?.labels ?? {}) },
    provider,
  };
  const expiresAt = toDate(meta.expiresAt);
  if (expiresAt) info.expiresAt = expiresAt;
  if (meta.scope !== undefined) info.scope = meta.scope;
  return info;
}

/** The value of a Secret in `secret` mode: its keys as a JSON object of strings. */
export function wholeSecretValue(secret: V1Secret): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out[k] = decodeValue(v);
  return JSON.stringify(out);
}

/** The Secret type hush writes, and the only one it lists. */
export const OPAQUE = 'Opaque';

/** Parses a `secret` mode value into data; the message never repeats the value. */
export function wholeSecretData(key: string, value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ValidationError(
      `secret '${key}': in 'secret' mode a value must be a JSON object of strings (it is not valid JSON)`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValidationError(`secret '${key}': in 'secret' mode a value must be a JSON object of strings`);
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string')
      throw new ValidationError(`secret '${key}': field '${k}' must be a string in 'secret' mode`);
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.startsWith('..') || k.length > MAX_NAME)
      throw new ValidationError(
        `secret '${key}': field '${k}' is not a valid Kubernetes data key ([-._a-zA-Z0-9]+, not starting with '..')`,
      );
    data[k] = encodeValue(v);
  }
  return data;
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Tags become labels, so they follow Kubernetes' label syntax; refused before any request. */
export function validateTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    if (prefix !== undefined && !isDnsSubdomain(prefix))
      throw new ValidationError(
        `tag '${key}': a label key prefix must be a DNS subdomain (lower case letters, digits, '-', '.')`,
      );
    if (name.length > 63 || !QUALIFIED_NAME.test(name))
      throw new ValidationError(
        `tag '${key}': a label key name is at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit`,
      );
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
      throw new ValidationError(
        `tag '${key}': a label value is empty or at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit`,
      );
  }
}

/** An HTTP status from the client's ApiException (checked by shape: the SDK may be loaded twice). */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code < 600 && 'body' in error ? code : undefined;
}

interface StatusBody {
  reason?: string;
  message?: string;
}

export function statusBodyOf(error: unknown): StatusBody {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string') return {};
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return {};
  }
}

export function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { headers?: Record<string, string> }).headers ?? {};
  const value = headers['retry-after'] ?? headers['Retry-After'];
  const seconds = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

export interface ErrorContext {
  provider: string;
  namespace: string;
  server: string;
  /** The API verb (get, list, create, update, delete). */
  verb: string;
  /** The hush name concerned, when there is one. */
  key?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/**
 * Kubernetes failures as hush errors. Messages name the namespace, the Secret and the verb,
 * never a value (the API's own Status messages hold names and field paths only).
 */
export function toHushError(error: unknown, ctx: ErrorContext): Error {
  if (error instanceof HushError) return error;
  const code = statusCodeOf(error);
  const what = ctx.key ? `secret '${ctx.key}'` : 'secrets';
  if (code === undefined) {
    const e = error as { code?: string; errno?: string; type?: string; name?: string; message?: string };
    const reason = e.code ?? e.errno ?? e.type ?? e.name ?? 'Error';
    return new ProviderUnavailableError(
      `kubernetes API at ${ctx.server} is unreachable`,
      [
        {
          provider: ctx.provider,
          code: NETWORK_CODES.has(reason) ? reason : String(reason),
          message: `${ctx.verb} ${what} failed: ${reason}`,
        },
      ],
      // Only the reason: the client's error object is not passed on (it may describe the request).
      { cause: Object.assign(new Error(`${ctx.verb} ${what} failed: ${reason}`), { code: reason }) },
    );
  }
  const status = statusBodyOf(error);
  switch (code) {
    case 401:
      return new AccessDeniedError(
        `kubernetes API at ${ctx.server} rejected the credentials (401 Unauthorized)`,
        {
          operation: ctx.verb,
          hint: 'check the token or client certificate of the kubeconfig user',
        },
      );
    case 403:
      return new AccessDeniedError(
        `access denied: cannot ${ctx.verb} ${what} in namespace '${ctx.namespace}' (403 Forbidden)`,
        {
          operation: ctx.verb,
          hint: `grant the ${ctx.verb} verb on secrets in namespace '${ctx.namespace}' (an RBAC Role and RoleBinding)`,
        },
      );
    case 409:
      return new VersionConflictError(ctx.key ?? '(unknown)');
    case 400:
    case 422:
      return new ValidationError(
        `kubernetes refused to ${ctx.verb} ${what} in namespace '${ctx.namespace}': ${status.message ?? status.reason ?? code}`,
      );
    case 404:
      return new ProviderError(
        ctx.provider,
        `${status.message ?? 'not found'} (namespace '${ctx.namespace}')`,
      );
    default:
      if (code === 429 || code >= 500)
        return new ProviderUnavailableError(`kubernetes API at ${ctx.server} is unavailable`, [
          {
            provider: ctx.provider,
            code: status.reason ?? `HTTP_${code}`,
            message: `${ctx.verb} ${what}: HTTP ${code}`,
          },
        ]);
      return new ProviderError(
        ctx.provider,
        `${ctx.verb} ${what} failed: HTTP ${code} ${status.reason ?? ''}`.trim(),
      );
  }
}
