import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults.js';
import type { KubernetesTokenGrant, SecretVerb, TokenAuthority } from './auth.js';
import { faultError, sendThrottled } from './faults.js';
import { jsonPatch, mergePatch, prepareWrite, strategicMergePatch, toWire } from './objects.js';
import {
  type FieldRequirement,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type Requirement,
  SelectorError,
} from './selector.js';
import type { KubernetesState, StoredSecret } from './state.js';
import { deletedStatus, type StatusBody, StatusError, statuses } from './status.js';

/** Operations counted in `calls`, after the API verbs (`update` is a PUT, named `replace` in the client). */
export type KubernetesOperation = 'get' | 'list' | 'create' | 'replace' | 'patch' | 'delete';

export interface RouteContext {
  state: KubernetesState;
  auth: TokenAuthority;
  faults: FaultInjector;
  calls: Record<KubernetesOperation | 'total', number>;
  /** `namespace/name` → reads left after which the Secret's resourceVersion is bumped (test hook). */
  staleAfterRead: Map<string, number>;
  bump(namespace: string, name: string): string;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const SECRETS_COLLECTION = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/?$/;
const SECRET_ITEM = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)\/?$/;

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendStatus(res: ServerResponse, error: StatusError): void {
  send(res, error.code, error.body, error.headers);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw statuses.tooLarge(MAX_BODY_BYTES);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw statuses.badRequest(
      `Secret in version "v1" cannot be handled as a Secret: ${(error as Error).message}`,
    );
  }
}

function dryRun(url: URL): boolean {
  const values = url.searchParams.getAll('dryRun');
  for (const v of values)
    if (v !== 'All')
      throw statuses.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}, valid values are: "All"`);
  return values.length > 0;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (token.v !== 'meta.k8s.io/v1' || typeof token.rv !== 'number' || typeof token.start !== 'string')
      throw new Error('bad');
    return token;
  } catch {
    throw statuses.badRequest('invalid continue token: continue key is not valid');
  }
}

export function createRouter(ctx: RouteContext) {
  const { state, auth, calls } = ctx;

  function authorize(
    req: IncomingMessage,
    verb: SecretVerb,
    namespace: string | undefined,
    name?: string,
  ): KubernetesTokenGrant {
    const grant = auth.authenticate(req);
    auth.authorize(grant, verb, namespace, name);
    return grant;
  }

  function list(req: IncomingMessage, res: ServerResponse, url: URL, namespace: string | undefined): void {
    calls.list++;
    authorize(req, 'list', namespace);
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
      throw statuses.badRequest('watch is not served by the hush Kubernetes emulator');
    let labelRequirements: Requirement[];
    let fieldRequirements: FieldRequirement[];
    try {
      labelRequirements = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
      fieldRequirements = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
    } catch (error) {
      if (error instanceof SelectorError) throw statuses.badRequest(error.message);
      throw error;
    }
    const limitText = url.searchParams.get('limit');
    const limit = limitText ? Number.parseInt(limitText, 10) : 0;
    const continueText = url.searchParams.get('continue');
    const token = continueText ? decodeContinue(continueText) : undefined;
    const keyOf = (s: StoredSecret) =>
      namespace === undefined ? `${s.metadata.namespace}/${s.metadata.name}` : s.metadata.name;

    const matching = state.list(namespace).filter((s) => {
      if (token && keyOf(s) < token.start) return false;
      if (!matchesLabels(labelRequirements, s.metadata.labels ?? {})) return false;
      return fieldRequirements.every((f) => {
        const actual =
          f.field === 'metadata.name'
            ? s.metadata.name
            : f.field === 'metadata.namespace'
              ? s.metadata.namespace
              : s.type;
        return (actual === f.value) === f.equal;
      });
    });
    const listRv = token?.rv ?? state.resourceVersion;
    const page = limit > 0 ? matching.slice(0, limit) : matching;
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (limit > 0 && matching.length > limit) {
      metadata.continue = encodeContinue(listRv, keyOf(page.at(-1)!));
      // The server can count what is left only when no selector filters the range.
      if (labelRequirements.length === 0 && fieldRequirements.length === 0)
        metadata.remainingItemCount = matching.length - limit;
    }
    send(res, 200, {
      kind: 'SecretList',
      apiVersion: 'v1',
      metadata,
      items: page.map((s) => toWire(s, false)),
    });
  }

  async function create(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    namespace: string,
  ): Promise<void> {
    calls.create++;
    authorize(req, 'create', namespace);
    const body = await readBody(req);
    const isDryRun = dryRun(url);
    if (!state.namespaces.has(namespace)) throw statuses.notFound(namespace, 'namespaces');
    const secret = prepareWrite(body, { namespace, newUid: () => state.newUid(), now: state.now });
    if (state.get(namespace, secret.metadata.name)) throw statuses.alreadyExists(secret.metadata.name);
    send(res, 201, toWire(isDryRun ? secret : state.put(secret)));
  }

  function get(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): void {
    calls.get++;
    authorize(req, 'get', namespace, name);
    const secret = state.get(namespace, name);
    if (!secret) throw statuses.notFound(name);
    send(res, 200, toWire(secret));
    const key = `${namespace}/${name}`;
    const left = ctx.staleAfterRead.get(key);
    if (left !== undefined) {
      // Another writer "changes" the Secret right after this read: the reader's next replace is stale.
      ctx.bump(namespace, name);
      if (left <= 1) ctx.staleAfterRead.delete(key);
      else ctx.staleAfterRead.set(key, left - 1);
    }
  }

  async function replace(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    namespace: string,
    name: string,
  ): Promise<void> {
    calls.replace++;
    authorize(req, 'update', namespace, name);
    const body = await readBody(req);
    const isDryRun = dryRun(url);
    const existing = state.get(namespace, name);
    // Secrets do not allow create-on-update: a PUT to a missing name is a 404.
    if (!existing) throw statuses.notFound(name);
    const secret = prepareWrite(body, {
      namespace,
      urlName: name,
      existing,
      newUid: () => state.newUid(),
      now: state.now,
    });
    send(res, 200, toWire(isDryRun ? { ...secret, metadata: { ...secret.metadata } } : state.put(secret)));
  }

  async function patch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    namespace: string,
    name: string,
  ): Promise<void> {
    calls.patch++;
    authorize(req, 'patch', namespace, name);
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
    const existing = state.get(namespace, name);
    if (!existing) throw statuses.notFound(name);
    const patched = apply(toWire(existing), body);
    const secret = prepareWrite(patched, {
      namespace,
      urlName: name,
      existing,
      newUid: () => state.newUid(),
      now: state.now,
    });
    send(res, 200, toWire(isDryRun ? secret : state.put(secret)));
  }

  async function remove(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    namespace: string,
    name: string,
  ): Promise<void> {
    calls.delete++;
    authorize(req, 'delete', namespace, name);
    const body = (await readBody(req)) as
      | { preconditions?: { uid?: string; resourceVersion?: string } }
      | undefined;
    const isDryRun = dryRun(url);
    const existing = state.get(namespace, name);
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
    if (!isDryRun) state.remove(namespace, name);
    send(res, 200, deletedStatus(name, existing.metadata.uid) satisfies StatusBody);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';

    if (method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (method === 'GET' && path === '/version')
      return send(res, 200, {
        major: '1',
        minor: '33',
        gitVersion: 'v1.33.0-hush-emulator',
        platform: `${process.platform}/${process.arch}`,
      });

    let match = SECRET_ITEM.exec(path);
    if (match) {
      const [, namespace, name] = match as unknown as [string, string, string];
      if (method === 'GET') return get(req, res, namespace, name);
      if (method === 'PUT') return replace(req, res, url, namespace, name);
      if (method === 'PATCH') return patch(req, res, url, namespace, name);
      if (method === 'DELETE') return remove(req, res, url, namespace, name);
      auth.authenticate(req);
      throw statuses.methodNotAllowed();
    }
    match = SECRETS_COLLECTION.exec(path);
    if (match) {
      const namespace = match[1]!;
      if (method === 'GET') return list(req, res, url, namespace);
      if (method === 'POST') return create(req, res, url, namespace);
      auth.authenticate(req);
      throw statuses.methodNotAllowed();
    }
    if (path === '/api/v1/secrets' && method === 'GET') return list(req, res, url, undefined);

    auth.authenticate(req);
    if (method === 'GET' && path === '/api')
      return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (method === 'GET' && path === '/apis')
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (method === 'GET' && path === '/api/v1')
      return send(res, 200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'secrets',
            singularName: 'secret',
            namespaced: true,
            kind: 'Secret',
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
          },
        ],
      });
    throw statuses.routeNotFound();
  }

  /** Serves one request: faults first (a failing server checks nothing), then the API. */
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    calls.total++;
    const fault = await ctx.faults.decide();
    if (fault === 'outage') {
      req.socket.destroy();
      return;
    }
    if (fault === 'throttle') return sendThrottled(res);
    try {
      if (fault === 'error') throw faultError();
      await route(req, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof StatusError) return sendStatus(res, error);
      sendStatus(res, statuses.internal((error as Error).message));
    }
  };
}
