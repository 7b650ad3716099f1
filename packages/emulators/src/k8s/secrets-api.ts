import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubernetesTokenGrant, SecretVerb } from './auth.js';
import type { RouteContext } from './context.js';
import { dryRun, readBody, send, wantsTable } from './http.js';
import { jsonPatch, mergePatch, prepareWrite, strategicMergePatch, toWire } from './objects.js';
import { deletedStatus, type StatusBody, statuses } from './status.js';
import { secretTable } from './table.js';

export function authorize(
  ctx: RouteContext,
  req: IncomingMessage,
  verb: SecretVerb,
  namespace: string | undefined,
  name?: string,
): KubernetesTokenGrant {
  const grant = ctx.auth.authenticate(req);
  ctx.auth.authorize(grant, verb, namespace, name);
  return grant;
}

export async function create(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  namespace: string,
): Promise<void> {
  ctx.calls.create++;
  authorize(ctx, req, 'create', namespace);
  const body = await readBody(req);
  const isDryRun = dryRun(url);
  if (!ctx.state.namespaces.has(namespace)) throw statuses.notFound(namespace, 'namespaces');
  const secret = prepareWrite(body, { namespace, newUid: () => ctx.state.newUid(), now: ctx.state.now });
  if (ctx.state.get(namespace, secret.metadata.name)) throw statuses.alreadyExists(secret.metadata.name);
  send(res, 201, toWire(isDryRun ? secret : ctx.state.put(secret)));
}

export function get(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
): void {
  ctx.calls.get++;
  authorize(ctx, req, 'get', namespace, name);
  const secret = ctx.state.get(namespace, name);
  if (!secret) throw statuses.notFound(name);
  if (wantsTable(req))
    send(
      res,
      200,
      secretTable([secret], { resourceVersion: secret.metadata.resourceVersion }, ctx.state.now(), null),
    );
  else send(res, 200, toWire(secret));
  const key = `${namespace}/${name}`;
  const left = ctx.staleAfterRead.get(key);
  if (left !== undefined) {
    // Another writer "changes" the Secret right after this read: the reader's next replace is stale.
    ctx.bump(namespace, name);
    if (left <= 1) ctx.staleAfterRead.delete(key);
    else ctx.staleAfterRead.set(key, left - 1);
  }
}

export async function replace(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  namespace: string,
  name: string,
): Promise<void> {
  ctx.calls.replace++;
  authorize(ctx, req, 'update', namespace, name);
  const body = await readBody(req);
  const isDryRun = dryRun(url);
  const existing = ctx.state.get(namespace, name);
  // Secrets do not allow create-on-update: a PUT to a missing name is a 404.
  if (!existing) throw statuses.notFound(name);
  const secret = prepareWrite(body, {
    namespace,
    urlName: name,
    existing,
    newUid: () => ctx.state.newUid(),
    now: ctx.state.now,
  });
  send(res, 200, toWire(isDryRun ? { ...secret, metadata: { ...secret.metadata } } : ctx.state.put(secret)));
}

export async function patch(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  namespace: string,
  name: string,
): Promise<void> {
  ctx.calls.patch++;
  authorize(ctx, req, 'patch', namespace, name);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const apply =
    contentType === 'application/merge-patch+json'
      ? mergePatch
      : contentType === 'application/strategic-merge-patch+json'
        ? strategicMergePatch
        : contentType === 'application/json-patch+json'
          ? jsonPatch
          : undefined;
  if (!apply) throw statuses.unsupportedMediaType(contentType || '(none)');
  const body = await readBody(req);
  const isDryRun = dryRun(url);
  const existing = ctx.state.get(namespace, name);
  if (!existing) throw statuses.notFound(name);
  const patched = apply(toWire(existing), body);
  const secret = prepareWrite(patched, {
    namespace,
    urlName: name,
    existing,
    newUid: () => ctx.state.newUid(),
    now: ctx.state.now,
  });
  send(res, 200, toWire(isDryRun ? secret : ctx.state.put(secret)));
}

export async function remove(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  namespace: string,
  name: string,
): Promise<void> {
  ctx.calls.delete++;
  authorize(ctx, req, 'delete', namespace, name);
  const body = (await readBody(req)) as
    | { preconditions?: { uid?: string; resourceVersion?: string } }
    | undefined;
  const isDryRun = dryRun(url);
  const existing = ctx.state.get(namespace, name);
  if (!existing) throw statuses.notFound(name);
  const preconditions = body?.preconditions;
  if (preconditions?.uid && preconditions.uid !== existing.metadata.uid)
    throw statuses.conflict(
      name,
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${existing.metadata.uid}`,
    );
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== existing.metadata.resourceVersion)
    throw statuses.conflict(
      name,
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
    );
  if (!isDryRun) ctx.state.remove(namespace, name);
  send(res, 200, deletedStatus(name, existing.metadata.uid) satisfies StatusBody);
}
