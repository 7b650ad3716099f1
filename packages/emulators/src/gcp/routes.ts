import { status } from '@grpc/grpc-js';
import { checkProject } from './auth.js';
import { crc32c } from './crc32c.js';
import { GcpError } from './errors.js';
import type { GcpState, StoredSecret, StoredVersion } from './state.js';

// Wire shapes as @grpc/proto-loader hands them over with keepCase (field names as in service.proto).
interface Timestamp {
  seconds: number | string;
  nanos?: number;
}
interface SecretMessage {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  expire_time?: Timestamp | null;
  ttl?: Timestamp | null;
  etag?: string;
}
type Request = Record<string, any>;

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

const SECRET_ID = /^[a-zA-Z0-9_-]{1,255}$/;
const PROJECT = /^[a-zA-Z0-9][a-zA-Z0-9.:-]{0,99}$/;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABELS = 64;
/** The documented cap on page_size. */
const MAX_PAGE_SIZE = 25_000;
/** The service's payload limit. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface RouteContext {
  state: GcpState;
  allowedProjects: ReadonlySet<string> | undefined;
  /** Page size used when the request leaves page_size at 0 ("the server decides"). */
  defaultPageSize: number;
}

const invalid = (message: string) => new GcpError(status.INVALID_ARGUMENT, message);

function parseProject(parent: unknown, ctx: RouteContext, permission: string): string {
  const match = /^projects\/([^/]+)$/.exec(String(parent ?? ''));
  if (!match || !PROJECT.test(match[1]!)) {
    if (/^projects\/[^/]+\/locations\//.test(String(parent)))
      throw invalid('Regional secrets are not served by this emulator.');
    throw invalid(`Invalid resource field value in the request: parent '${String(parent ?? '')}'.`);
  }
  checkProject(match[1]!, ctx.allowedProjects, permission, String(parent));
  return match[1]!;
}

function parseSecretName(
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

function parseVersionName(
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

function secretName(s: StoredSecret): string {
  return `projects/${s.project}/secrets/${s.id}`;
}

function versionName(s: StoredSecret, v: StoredVersion): string {
  return `${secretName(s)}/versions/${v.number}`;
}

/** Expired secrets are deleted by the service at their expire_time; here lazily, on the next look. */
function findSecret(ctx: RouteContext, project: string, id: string): StoredSecret | undefined {
  const secret = ctx.state.get(project, id);
  if (secret?.expireTime !== undefined && secret.expireTime <= ctx.state.wallClock()) {
    ctx.state.delete(project, id);
    return undefined;
  }
  return secret;
}

function requireSecret(ctx: RouteContext, project: string, id: string): StoredSecret {
  const secret = findSecret(ctx, project, id);
  if (!secret) throw new GcpError(status.NOT_FOUND, `Secret [projects/${project}/secrets/${id}] not found.`);
  return secret;
}

function requireVersion(
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

const toTimestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
const fromTimestamp = (t: Timestamp) => Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1_000_000);
const etagOf = (n: number) => `"${n.toString(16).padStart(14, '0')}"`;

function secretMessage(s: StoredSecret): Record<string, unknown> {
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

function versionMessage(s: StoredSecret, v: StoredVersion): Record<string, unknown> {
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

function validateLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(labels ?? {});
  if (entries.length > MAX_LABELS) throw invalid(`A secret can have at most ${MAX_LABELS} labels.`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) throw invalid(`Label key '${key}' violates format constraints.`);
    if (!LABEL_VALUE.test(value)) throw invalid(`Label value for key '${key}' violates format constraints.`);
  }
  return Object.fromEntries(entries);
}

function expiryOf(secret: SecretMessage | undefined, now: number): number | undefined {
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

function checkEtag(given: unknown, current: number): void {
  if (given && given !== etagOf(current))
    throw new GcpError(
      status.FAILED_PRECONDITION,
      'The etag provided in the request does not match the current etag of the resource.',
    );
}

// Filters: the documented subset `name:<text>` (substring, `*` wildcard), `labels.<key>=<value>`,
// `labels.<key>:<value>` and `labels.<key>:*`, `state:<STATE>` for versions, joined by AND or spaces.
type Term = (fields: { name: string; labels: Record<string, string>; state?: string }) => boolean;

function parseFilter(filter: string): Term[] {
  const tokens = filter
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '' && t.toUpperCase() !== 'AND');
  return tokens.map((token) => {
    const match = /^([a-zA-Z_.\-0-9]+)(=|:)(.*)$/.exec(token);
    if (!match) throw invalid(`Unsupported filter term '${token}'.`);
    const [, field, op, rawValue] = match as unknown as [string, string, string, string];
    const value = rawValue.replace(/^"(.*)"$/, '$1');
    const pattern = new RegExp(
      value
        .split('*')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*'),
    );
    if (field === 'name') return (f) => (op === ':' ? pattern.test(f.name) : f.name === value);
    if (field === 'state') return (f) => f.state === value.toUpperCase();
    if (field.startsWith('labels.')) {
      const key = field.slice('labels.'.length);
      return (f) => {
        const label = f.labels[key];
        if (label === undefined) return false;
        if (op === ':' && value === '*') return true;
        return op === ':' ? pattern.test(label) : label === value;
      };
    }
    throw invalid(`Unsupported filter field '${field}'.`);
  });
}

/** Where an item sits in a listing ordered newest first: (time or number) descending, then id ascending. */
type Position = [number, string];

const isAfter = (a: Position, b: Position) => a[0] < b[0] || (a[0] === b[0] && a[1] > b[1]);

function page<T>(
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
export function createRoutes(ctx: RouteContext): Record<MethodName, (request: Request) => unknown> {
  const { state } = ctx;
  return {
    ListSecrets(request) {
      const project = parseProject(request.parent, ctx, 'secretmanager.secrets.list');
      let secrets = state.list(project).filter((s) => findSecret(ctx, s.project, s.id));
      const filtered = Boolean(request.filter);
      if (filtered) {
        const terms = parseFilter(String(request.filter));
        secrets = secrets.filter((s) => terms.every((t) => t({ name: secretName(s), labels: s.labels })));
      }
      const { items, next } = page(secrets, request, ctx, (s) => [s.createTime, s.id]);
      return {
        secrets: items.map(secretMessage),
        next_page_token: next,
        total_size: filtered ? 0 : secrets.length,
      };
    },

    CreateSecret(request) {
      const project = parseProject(request.parent, ctx, 'secretmanager.secrets.create');
      const id = String(request.secret_id ?? '');
      if (!SECRET_ID.test(id))
        throw invalid(
          `Invalid secret_id '${id.slice(0, 300)}': it must be 1 to 255 characters of letters, digits, '-' and '_'.`,
        );
      if (findSecret(ctx, project, id))
        throw new GcpError(
          status.ALREADY_EXISTS,
          `Secret [projects/${project}/secrets/${id}] already exists.`,
        );
      const message = (request.secret ?? {}) as SecretMessage;
      const labels = validateLabels(message.labels);
      const expireTime = expiryOf(message, ctx.state.wallClock());
      const secret = state.create(project, id, {
        labels,
        annotations: { ...(message.annotations ?? {}) },
        ...(expireTime !== undefined ? { expireTime } : {}),
      });
      return secretMessage(secret);
    },

    AddSecretVersion(request) {
      const ref = parseSecretName(request.parent, ctx, 'secretmanager.versions.add');
      const secret = requireSecret(ctx, ref.project, ref.id);
      const data: Buffer = request.payload?.data ? Buffer.from(request.payload.data) : Buffer.alloc(0);
      if (data.length > MAX_PAYLOAD_BYTES)
        throw invalid(`Secret payload exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes.`);
      const given = request.payload?.data_crc32c;
      const clientSpecified = given !== undefined && given !== null;
      if (clientSpecified && Number(given) !== crc32c(data))
        throw invalid('Checksum mismatch: data_crc32c does not match the payload data.');
      return versionMessage(secret, state.addVersion(secret, data, clientSpecified));
    },

    GetSecret(request) {
      const ref = parseSecretName(request.name, ctx, 'secretmanager.secrets.get');
      return secretMessage(requireSecret(ctx, ref.project, ref.id));
    },

    UpdateSecret(request) {
      const message = (request.secret ?? {}) as SecretMessage;
      const ref = parseSecretName(message.name, ctx, 'secretmanager.secrets.update');
      const secret = requireSecret(ctx, ref.project, ref.id);
      const paths: string[] = request.update_mask?.paths ?? [];
      if (paths.length === 0) throw invalid('update_mask is required and must name at least one field.');
      checkEtag(message.etag, secret.etag);
      const updated: Partial<StoredSecret> = {};
      let expiry: { set: number | undefined } | undefined;
      for (const path of paths) {
        const field = path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        if (field === 'labels') updated.labels = validateLabels(message.labels);
        else if (field === 'annotations') updated.annotations = { ...(message.annotations ?? {}) };
        else if (field === 'expire_time' || field === 'ttl')
          expiry = { set: expiryOf(message, ctx.state.wallClock()) };
        else throw invalid(`Field '${path}' in update_mask cannot be updated by this emulator.`);
      }
      Object.assign(secret, updated);
      if (expiry) {
        if (expiry.set === undefined) delete secret.expireTime;
        else secret.expireTime = expiry.set;
      }
      secret.etag++;
      state.save();
      return secretMessage(secret);
    },

    DeleteSecret(request) {
      const ref = parseSecretName(request.name, ctx, 'secretmanager.secrets.delete');
      const secret = requireSecret(ctx, ref.project, ref.id);
      checkEtag(request.etag, secret.etag);
      state.delete(ref.project, ref.id);
      return {};
    },

    ListSecretVersions(request) {
      const ref = parseSecretName(request.parent, ctx, 'secretmanager.versions.list');
      const secret = requireSecret(ctx, ref.project, ref.id);
      let versions = [...secret.versions].reverse();
      const filtered = Boolean(request.filter);
      if (filtered) {
        const terms = parseFilter(String(request.filter));
        versions = versions.filter((v) =>
          terms.every((t) => t({ name: versionName(secret, v), labels: {}, state: v.state })),
        );
      }
      const { items, next } = page(versions, request, ctx, (v) => [v.number, '']);
      return {
        versions: items.map((v) => versionMessage(secret, v)),
        next_page_token: next,
        total_size: filtered ? 0 : versions.length,
      };
    },

    GetSecretVersion(request) {
      const ref = parseVersionName(request.name, ctx, 'secretmanager.versions.get');
      const { secret, version } = requireVersion(ctx, ref);
      return versionMessage(secret, version);
    },

    AccessSecretVersion(request) {
      const ref = parseVersionName(request.name, ctx, 'secretmanager.versions.access');
      const { secret, version } = requireVersion(ctx, ref);
      if (version.state !== 'ENABLED' || version.data === null)
        throw new GcpError(
          status.FAILED_PRECONDITION,
          `Secret Version [${versionName(secret, version)}] is in ${version.state} state.`,
        );
      return {
        name: versionName(secret, version),
        payload: { data: version.data, data_crc32c: version.crc32c },
      };
    },

    DisableSecretVersion(request) {
      return changeState(request, 'DISABLED', 'secretmanager.versions.disable');
    },

    EnableSecretVersion(request) {
      return changeState(request, 'ENABLED', 'secretmanager.versions.enable');
    },

    DestroySecretVersion(request) {
      return changeState(request, 'DESTROYED', 'secretmanager.versions.destroy');
    },
  };

  function changeState(request: Request, target: StoredVersion['state'], permission: string): unknown {
    const ref = parseVersionName(request.name, ctx, permission);
    if (ref.version === 'latest')
      throw invalid(`The 'latest' alias cannot be used here; name a version number.`);
    const { secret, version } = requireVersion(ctx, ref);
    checkEtag(request.etag, version.etag);
    // Destruction is final: the data is gone and the state can no longer change.
    if (version.state === 'DESTROYED')
      throw new GcpError(
        status.FAILED_PRECONDITION,
        `Secret Version [${versionName(secret, version)}] is in DESTROYED state.`,
      );
    version.state = target;
    version.etag++;
    if (target === 'DESTROYED') {
      version.data = null;
      version.crc32c = null;
      version.destroyTime = state.now();
    }
    state.save();
    return versionMessage(secret, version);
  }
}
