import { status } from '@grpc/grpc-js';
import { crc32c } from './crc32c.js';
import { GcpError } from './errors.js';
import {
  checkEtag,
  expiryOf,
  findSecret,
  invalid,
  MAX_PAYLOAD_BYTES,
  type MethodName,
  page,
  parseProject,
  parseSecretName,
  parseVersionName,
  type Request,
  type RouteContext,
  readFilter,
  requireSecret,
  requireVersion,
  SECRET_ID,
  type SecretMessage,
  secretMessage,
  secretName,
  validateLabels,
  versionMessage,
  versionName,
} from './resources.js';
import type { StoredSecret, StoredVersion } from './state.js';

export { METHODS, type MethodName, type RouteContext } from './resources.js';

function listSecrets(ctx: RouteContext, request: Request): unknown {
  const project = parseProject(request.parent, ctx, 'secretmanager.secrets.list');
  let secrets = ctx.state.list(project).filter((s) => findSecret(ctx, s.project, s.id));
  const filtered = Boolean(request.filter);
  if (filtered) {
    const matches = readFilter(request.filter);
    secrets = secrets.filter((s) =>
      matches({
        name: secretName(s),
        labels: s.labels,
        annotations: s.annotations,
        create_time: s.createTime,
        ...(s.expireTime !== undefined ? { expire_time: s.expireTime } : {}),
      }),
    );
  }
  const { items, next } = page(secrets, request, ctx, (s) => [s.createTime, s.id]);
  return {
    secrets: items.map(secretMessage),
    next_page_token: next,
    total_size: filtered ? 0 : secrets.length,
  };
}

function createSecret(ctx: RouteContext, request: Request): unknown {
  const project = parseProject(request.parent, ctx, 'secretmanager.secrets.create');
  const id = String(request.secret_id ?? '');
  if (!SECRET_ID.test(id))
    throw invalid(
      `Invalid secret_id '${id.slice(0, 300)}': it must be 1 to 255 characters of letters, digits, '-' and '_'.`,
    );
  if (findSecret(ctx, project, id))
    throw new GcpError(status.ALREADY_EXISTS, `Secret [projects/${project}/secrets/${id}] already exists.`);
  const message = (request.secret ?? {}) as SecretMessage;
  const labels = validateLabels(message.labels);
  const expireTime = expiryOf(message, ctx.state.wallClock());
  const secret = ctx.state.create(project, id, {
    labels,
    annotations: { ...(message.annotations ?? {}) },
    ...(expireTime !== undefined ? { expireTime } : {}),
  });
  return secretMessage(secret);
}

function addSecretVersion(ctx: RouteContext, request: Request): unknown {
  const ref = parseSecretName(request.parent, ctx, 'secretmanager.versions.add');
  const secret = requireSecret(ctx, ref.project, ref.id);
  const data: Buffer = request.payload?.data ? Buffer.from(request.payload.data) : Buffer.alloc(0);
  if (data.length > MAX_PAYLOAD_BYTES)
    throw invalid(`Secret payload exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes.`);
  const given = request.payload?.data_crc32c;
  const clientSpecified = given !== undefined && given !== null;
  if (clientSpecified && Number(given) !== crc32c(data))
    throw invalid('Checksum mismatch: data_crc32c does not match the payload data.');
  return versionMessage(secret, ctx.state.addVersion(secret, data, clientSpecified));
}

function getSecret(ctx: RouteContext, request: Request): unknown {
  const ref = parseSecretName(request.name, ctx, 'secretmanager.secrets.get');
  return secretMessage(requireSecret(ctx, ref.project, ref.id));
}

function updateSecret(ctx: RouteContext, request: Request): unknown {
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
  ctx.state.save();
  return secretMessage(secret);
}

function deleteSecret(ctx: RouteContext, request: Request): unknown {
  const ref = parseSecretName(request.name, ctx, 'secretmanager.secrets.delete');
  const secret = requireSecret(ctx, ref.project, ref.id);
  checkEtag(request.etag, secret.etag);
  ctx.state.delete(ref.project, ref.id);
  return {};
}

function listSecretVersions(ctx: RouteContext, request: Request): unknown {
  const ref = parseSecretName(request.parent, ctx, 'secretmanager.versions.list');
  const secret = requireSecret(ctx, ref.project, ref.id);
  let versions = [...secret.versions].reverse();
  const filtered = Boolean(request.filter);
  if (filtered) {
    const matches = readFilter(request.filter);
    versions = versions.filter((v) =>
      matches({ name: versionName(secret, v), state: v.state, create_time: v.createTime }),
    );
  }
  const { items, next } = page(versions, request, ctx, (v) => [v.number, '']);
  return {
    versions: items.map((v) => versionMessage(secret, v)),
    next_page_token: next,
    total_size: filtered ? 0 : versions.length,
  };
}

function getSecretVersion(ctx: RouteContext, request: Request): unknown {
  const ref = parseVersionName(request.name, ctx, 'secretmanager.versions.get');
  const { secret, version } = requireVersion(ctx, ref);
  return versionMessage(secret, version);
}

function accessSecretVersion(ctx: RouteContext, request: Request): unknown {
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
}

function disableSecretVersion(ctx: RouteContext, request: Request): unknown {
  return changeState(ctx, request, 'DISABLED', 'secretmanager.versions.disable');
}

function enableSecretVersion(ctx: RouteContext, request: Request): unknown {
  return changeState(ctx, request, 'ENABLED', 'secretmanager.versions.enable');
}

function destroySecretVersion(ctx: RouteContext, request: Request): unknown {
  return changeState(ctx, request, 'DESTROYED', 'secretmanager.versions.destroy');
}

function changeState(
  ctx: RouteContext,
  request: Request,
  target: StoredVersion['state'],
  permission: string,
): unknown {
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
    version.destroyTime = ctx.state.now();
  }
  ctx.state.save();
  return versionMessage(secret, version);
}

const HANDLERS: Record<MethodName, (ctx: RouteContext, request: Request) => unknown> = {
  ListSecrets: listSecrets,
  CreateSecret: createSecret,
  AddSecretVersion: addSecretVersion,
  GetSecret: getSecret,
  UpdateSecret: updateSecret,
  DeleteSecret: deleteSecret,
  ListSecretVersions: listSecretVersions,
  GetSecretVersion: getSecretVersion,
  AccessSecretVersion: accessSecretVersion,
  DisableSecretVersion: disableSecretVersion,
  EnableSecretVersion: enableSecretVersion,
  DestroySecretVersion: destroySecretVersion,
};

/** One handler per RPC: request message in, response message out, or a GcpErro */
export function createRoutes(ctx: RouteContext): Record<MethodName, (request: Request) => unknown> {
  return Object.fromEntries(
    Object.entries(HANDLERS).map(([name, handler]) => [name, (request: Request) => handler(ctx, request)]),
  ) as Record<MethodName, (request: Request) => unknown>;
}
