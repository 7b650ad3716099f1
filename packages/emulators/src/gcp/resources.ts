import { status } from '@grpc/grpc-js';
import { checkProject } from './auth.js';
import { GcpError } from './errors.js';
import { FilterSyntaxError, type Predicate, parseFilter } from './filter.js';
import type { GcpState, StoredSecret, StoredVersion } from './state.js';

// Wire shapes as @grpc/proto-loader hands them over with keepCase (field names as in service.proto).
export interface Timestamp {
  seconds: number | string;
  nanos?: number;
}
export interface SecretMessage {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  expire_time?: Timestamp | null;
  ttl?: Timestamp | null;
  etag?: string;
}
export type Request = Record<string, any>;

export type MethodName =
  | 'ListSecrets'
  | 'CreateSecret'
  | 'AddSecretVersion'
  | 'GetSecret'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'ListSecretVersions'
  | 'GetSecretVersion'
  | 'AccessSecretVersion'
  | 'DisableSecretVersion'
  | 'EnableSecretVersion'
  | 'DestroySecretVersion';

export const METHODS: MethodName[] = [
  'ListSecrets',
  'CreateSecret',
  'AddSecretVersion',
  'GetSecret',
  'UpdateSecret',
  'DeleteSecret',
  'ListSecretVersions',
  'GetSecretVersion',
  'AccessSecretVersion',
  'DisableSecretVersion',
  'EnableSecretVersion',
  'DestroySecretVersion',
];

export const SECRET_ID = /^[a-zA-Z0-9_-]{1,255}$/;
export const PROJECT = /^[a-zA-Z0-9][a-zA-Z0-9.:-]{0,99}$/;
export const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
export const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
export const MAX_LABELS = 64;
/** The documented cap on page_size. */
export const MAX_PAGE_SIZE = 25_000;
/** The service's payload limit. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface RouteContext {
  state: GcpState;
  allowedProjects: ReadonlySet<string> | undefined;
  /** Page size used when the request leaves page_size at 0 ("the server decides"). */
  defaultPageSize: number;
}

export const invalid = (message: string) => new GcpError(status.INVALID_ARGUMENT, message);

export function parseProject(parent: unknown, ctx: RouteContext, permission: string): string {
  const match = /^projects\/([^/]+)$/.exec(String(parent ?? ''));
  if (!match || !PROJECT.test(match[1]!)) {
    if (/^projects\/[^/]+\/locations\//.test(String(parent)))
      throw invalid('Regional secrets are not served by this emulator.');
    throw invalid(`Invalid resource field value in the request: parent '${String(parent ?? '')}'.`);
  }
  checkProject(match[1]!, ctx.allowedProjects, permission, String(parent));
  return match[1]!;
}

export function parseSecretName(
  name: unknown,
  ctx: RouteContext,
  permission: string,
): { project: string; id: string } {
  const match = /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(String(name ?? ''));
  if (!match || !PROJECT.test(match[1]!) || !SECRET_ID.test(match[2]!))
    throw invalid(`Invalid resource field value in the request: name '${String(name ?? '')}'.`);
  checkProject(match[1]!, ctx.allowedProjects, permission, String(name));
  return { project: match[1]!, id: match[2]! };
}

export function parseVersionName(
  name: unknown,
  ctx: RouteContext,
  permission: string,
): { project: string; id: string; version: string } {
  const match = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/.exec(String(name ?? ''));
  if (
    !match ||
    !PROJECT.test(match[1]!) ||
    !SECRET_ID.test(match[2]!) ||
    !/^(latest|[1-9][0-9]*)$/.test(match[3]!)
  )
    throw invalid(`Invalid resource field value in the request: name '${String(name ?? '')}'.`);
  checkProject(match[1]!, ctx.allowedProjects, permission, String(name));
  return { project: match[1]!, id: match[2]!, version: match[3]! };
}

export function secretName(s: StoredSecret): string {
  return `projects/${s.project}/secrets/${s.id}`;
}

export function versionName(s: StoredSecret, v: StoredVersion): string {
  return `${secretName(s)}/versions/${v.number}`;
}

/** Expired secrets are deleted by the service at their expire_time; here lazily, on the next look. */
export function findSecret(ctx: RouteContext, project: string, id: string): StoredSecret | undefined {
  const secret = ctx.state.get(project, id);
  if (secret?.expireTime !== undefined && secret.expireTime <= ctx.state.wallClock()) {
    ctx.state.delete(project, id);
    return undefined;
  }
  return secret;
}

export function requireSecret(ctx: RouteContext, project: string, id: string): StoredSecret {
  const secret = findSecret(ctx, project, id);
  if (!secret) throw new GcpError(status.NOT_FOUND, `Secret [projects/${project}/secrets/${id}] not found.`);
  return secret;
}

export function requireVersion(
  ctx: RouteContext,
  ref: { project: string; id: string; version: string },
): {
  secret: StoredSecret;
  version: StoredVersion;
} {
  const secret = findSecret(ctx, ref.project, ref.id);
  const version =
    ref.version === 'latest'
      ? secret?.versions.at(-1)
      : secret?.versions.find((v) => String(v.number) === ref.version);
  if (!secret || !version) {
    if (ref.version === 'latest')
      throw new GcpError(
        status.NOT_FOUND,
        `Secret [projects/${ref.project}/secrets/${ref.id}] not found or has no versions.`,
      );
    throw new GcpError(
      status.NOT_FOUND,
      `Secret Version [projects/${ref.project}/secrets/${ref.id}/versions/${ref.version}] not found.`,
    );
  }
  return { secret, version };
}

export const toTimestamp = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: (ms % 1000) * 1_000_000,
});
export const fromTimestamp = (t: Timestamp) =>
  Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1_000_000);
export const etagOf = (n: number) => `"${n.toString(16).padStart(14, '0')}"`;

export function secretMessage(s: StoredSecret): Record<string, unknown> {
  return {
    name: secretName(s),
    replication: { automatic: {} },
    create_time: toTimestamp(s.createTime),
    labels: s.labels,
    annotations: s.annotations,
    etag: etagOf(s.etag),
    ...(s.expireTime !== undefined ? { expire_time: toTimestamp(s.expireTime) } : {}),
  };
}

export function versionMessage(s: StoredSecret, v: StoredVersion): Record<string, unknown> {
  return {
    name: versionName(s, v),
    create_time: toTimestamp(v.createTime),
    state: v.state,
    replication_status: { automatic: {} },
    etag: etagOf(v.etag),
    client_specified_payload_checksum: v.clientSpecifiedChecksum,
    ...(v.destroyTime !== undefined ? { destroy_time: toTimestamp(v.destroyTime) } : {}),
  };
}

export function validateLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(labels ?? {});
  if (entries.length > MAX_LABELS) throw invalid(`A secret can have at most ${MAX_LABELS} labels.`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) throw invalid(`Label key '${key}' violates format constraints.`);
    if (!LABEL_VALUE.test(value)) throw invalid(`Label value for key '${key}' violates format constraints.`);
  }
  return Object.fromEntries(entries);
}

export function expiryOf(secret: SecretMessage | undefined, now: number): number | undefined {
  if (secret?.expire_time) {
    const at = fromTimestamp(secret.expire_time);
    if (at <= now) throw invalid('expire_time must be in the future.');
    return at;
  }
  if (secret?.ttl) {
    const ms = fromTimestamp(secret.ttl);
    if (ms <= 0) throw invalid('ttl must be positive.');
    return now + ms;
  }
  return undefined;
}

export function checkEtag(given: unknown, current: number): void {
  if (given && given !== etagOf(current))
    throw new GcpError(
      status.FAILED_PRECONDITION,
      'The etag provided in the request does not match the current etag of the resource.',
    );
}

/** The parsed filter, or INVALID_ARGUMENT naming what did not parse. */
export function readFilter(filter: unknown): Predicate {
  try {
    return parseFilter(String(filter ?? ''));
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalid(error.message);
    throw error;
  }
}

/** Where an item sits in a listing ordered newest first: (time or number) descending, then id ascending. */
export type Position = [number, string];

export const isAfter = (a: Position, b: Position) => a[0] < b[0] || (a[0] === b[0] && a[1] > b[1]);

export function page<T>(
  items: T[],
  request: Request,
  ctx: RouteContext,
  positionOf: (item: T) => Position,
): { items: T[]; next: string } {
  const size = Number(request.page_size ?? 0);
  if (size < 0) throw invalid('page_size must not be negative.');
  const limit = Math.min(size === 0 ? ctx.defaultPageSize : size, MAX_PAGE_SIZE);
  let rest = items;
  if (request.page_token) {
    // The token holds the position of the last item served, so that creations and deletions
    // between pages neither repeat nor skip the items that remain.
    let after: unknown;
    try {
      after = JSON.parse(Buffer.from(String(request.page_token), 'base64url').toString('utf8')).after;
    } catch {
      throw invalid('Invalid page_token.');
    }
    if (!Array.isArray(after) || typeof after[0] !== 'number' || typeof after[1] !== 'string')
      throw invalid('Invalid page_token.');
    rest = items.filter((item) => isAfter(positionOf(item), after as Position));
  }
  const slice = rest.slice(0, limit);
  const next =
    rest.length > limit
      ? Buffer.from(JSON.stringify({ after: positionOf(slice.at(-1)!) })).toString('base64url')
      : '';
  return { items: slice, next };
}

/** One handler per RPC: request message in, response message out, or a GcpError. */
