import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './context.js';
import { serveDiscovery } from './discovery.js';
import { echoFault, faultError, sendThrottled } from './faults.js';
import { sendStatus } from './http.js';
import { list } from './list.js';
import { create, get, patch, remove, replace } from './secrets-api.js';
import { StatusError, statuses } from './status.js';

export type { KubernetesOperation, RouteContext } from './context.js';

const SECRETS_COLLECTION = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/?$/;
const SECRET_ITEM = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)\/?$/;

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = decodeURIComponent(url.pathname);
  const method = req.method ?? 'GET';
  if (path === '/healthz' || path === '/livez' || path === '/readyz' || path.startsWith('/version'))
    if (serveDiscovery(req, res, path)) return;

  let match = SECRET_ITEM.exec(path);
  if (match) {
    const [, namespace, name] = match as unknown as [string, string, string];
    if (method === 'GET') return get(ctx, req, res, namespace, name);
    if (method === 'PUT') return replace(ctx, req, res, url, namespace, name);
    if (method === 'PATCH') return patch(ctx, req, res, url, namespace, name);
    if (method === 'DELETE') return remove(ctx, req, res, url, namespace, name);
    ctx.auth.authenticate(req);
    throw statuses.methodNotAllowed();
  }
  match = SECRETS_COLLECTION.exec(path);
  if (match) {
    const namespace = match[1]!;
    if (method === 'GET') return list(ctx, req, res, url, namespace);
    if (method === 'POST') return create(ctx, req, res, url, namespace);
    ctx.auth.authenticate(req);
    throw statuses.methodNotAllowed();
  }
  if (path === '/api/v1/secrets' && method === 'GET') return list(ctx, req, res, url, undefined);

  ctx.auth.authenticate(req);
  if (serveDiscovery(req, res, path)) return;
  throw statuses.routeNotFound();
}

/** The request handler: faults first (a failing server checks nothing), then the API. */
export function createRouter(ctx: RouteContext) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    ctx.calls.total++;
    const fault = await ctx.faults.decide();
    if (fault === 'outage') {
      req.socket.destroy();
      return;
    }
    if (fault === 'throttle') return sendThrottled(res);
    try {
      if (fault === 'error') throw faultError();
      if (fault === 'echo') {
        const echo = await echoFault(req);
        if (echo) {
          ctx.faults.echoed();
          throw echo;
        }
      }
      await route(ctx, req, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof StatusError) return sendStatus(res, error);
      sendStatus(res, statuses.internal((error as Error).message));
    }
  };
}
