import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HushError,
  type RotateSecretOptions,
  type SecretManager,
  type SetSecretOptions,
  validateSecretName,
} from '@hush/core';

import { type Answer, jsonAnswer, send, sendJson, sendSecret, sendText, wire } from './replies.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** What a route needs: the manager of the moment and the agent's settings. */
export interface RouteContext {
  manager: SecretManager;
  /** Who the agent acts as, for audit and access control. */
  accessor?: string;
  allowWrites: boolean;
  /** `/v1/health`'s agent section. */
  describe(): Record<string, unknown>;
  /** `/v1/metrics`'s text. */
  metrics(): Promise<string>;
}

/** A refusal or failure as the client sees it: a status, a stable code and a masked message. */
export class RouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  SECRET_NOT_FOUND: 404,
  ACCESS_DENIED: 403,
  INVALID_SECRET_NAME: 400,
  VALIDATION_ERROR: 400,
  PROVIDER_UNAVAILABLE: 503,
  UNSUPPORTED_OPERATION: 405,
  VERSION_CONFLICT: 409,
  UNRESOLVED_REFERENCES: 404,
};

/** The route's name for metrics and logs: the first path segment after /v1/. */
export function routeName(path: string): string {
  return /^\/v1\/([a-z]+)/.exec(path)?.[1] ?? 'unknown';
}

/** One request as the routes see it: who asks, and the secret name a path carries. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  ctx: RouteContext;
  manager: SecretManager;
  /** The accessor for reads (access control), empty when the agent acts as nobody in particular. */
  who: { accessor?: string };
  /** The actor for writes (audit). */
  actor: { actor?: string };
}

/**
 * Serves one request. Reads: `GET /v1/secret/NAME[?version=V][&field=F]`,
 * `GET /v1/secrets?names=a,b`, `GET /v1/list[?prefix=P][&pattern=G]`, `GET /v1/versions/NAME`,
 * `GET /v1/health`, `GET /v1/metrics`. Writes, with `--allow-writes` only: `PUT /v1/secret/NAME`,
 * `DELETE /v1/secret/NAME`, `POST /v1/rotate/NAME`, `POST /v1/rollback/NAME`.
 */
export async function route(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: RouteContext,
): Promise<number> {
  const path = url.pathname;
  const named = (prefix: string): string | undefined => {
    if (!path.startsWith(prefix)) return undefined;
    const name = decodeURIComponent(path.slice(prefix.length));
    validateSecretName(name);
    return name;
  };
  const call: Call = {
    req,
    res,
    url,
    method: req.method ?? 'GET',
    ctx,
    manager: ctx.manager,
    who: ctx.accessor === undefined ? {} : { accessor: ctx.accessor },
    actor: ctx.accessor === undefined ? {} : { actor: ctx.accessor },
  };
  const secretName = named('/v1/secret/');
  if (secretName !== undefined) return secretRoute(call, secretName);
  const rotated = named('/v1/rotate/');
  if (rotated !== undefined) return rotateRoute(call, rotated);
  const rolledBack = named('/v1/rollback/');
  if (rolledBack !== undefined) return rollbackRoute(call, rolledBack);
  if (call.method !== 'GET' && call.method !== 'HEAD') throw methodNotAllowed(call.method);
  const versioned = named('/v1/versions/');
  if (versioned !== undefined)
    return sendJson(res, 200, { versions: await call.manager.getSecretVersions(versioned, call.who) });
  return readRoute(call, path);
}

/** `/v1/secret/NAME`: read it (GET, HEAD), write it (PUT) or delete it (DELETE). */
async function secretRoute(call: Call, name: string): Promise<number> {
  const { req, res, url, method, manager, who, actor } = call;
  if (method === 'GET' || method === 'HEAD') {
    const version = url.searchParams.get('version') ?? undefined;
    const field = url.searchParams.get('field') ?? undefined;
    if (version !== undefined && field !== undefined)
      throw new RouteError(400, 'VALIDATION_ERROR', 'give version or field, not both');
    const secret =
      version !== undefined
        ? await manager.getSecretVersion(name, version, who)
        : await manager.getSecret(name, {
            required: true,
            ...who,
            ...(field !== undefined ? { field } : {}),
          });
    return sendSecret(res, secret);
  }
  writable(call.ctx);
  if (method === 'PUT') {
    const body = await readJson(req);
    if (typeof body.value !== 'string')
      throw new RouteError(400, 'VALIDATION_ERROR', "expected a JSON body with a string 'value'");
    const { value, expirePreviousVersions, ...options } = body;
    // A rotation with expireOldVersion reaches a provider as a write that expires the older
    // versions; the agent's manager takes it as that rotation, so that its backend does the same.
    const info = expirePreviousVersions
      ? await manager.rotateSecret(name, {
          ...rotationOf(options),
          newValue: value,
          expireOldVersion: true,
          ...actor,
        })
      : await manager.setSecret(name, value, { ...(options as SetSecretOptions), ...actor });
    return sendJson(res, 200, { info });
  }
  if (method === 'DELETE') {
    await manager.deleteSecret(name, {
      permanent: url.searchParams.get('permanent') === 'true',
      ...actor,
    });
    return sendJson(res, 200, { deleted: name });
  }
  throw methodNotAllowed(method);
}

/** `POST /v1/rotate/NAME` with the rotation's options as its JSON body. */
async function rotateRoute(call: Call, name: string): Promise<number> {
  if (call.method !== 'POST') throw methodNotAllowed(call.method);
  writable(call.ctx);
  const info = await call.manager.rotateSecret(name, {
    ...((await readJson(call.req)) as RotateSecretOptions),
    ...call.actor,
  });
  return sendJson(call.res, 200, { info });
}

/** `POST /v1/rollback/NAME` with `{ "version": V }`. */
async function rollbackRoute(call: Call, name: string): Promise<number> {
  if (call.method !== 'POST') throw methodNotAllowed(call.method);
  writable(call.ctx);
  const body = await readJson(call.req);
  if (typeof body.version !== 'string' && typeof body.version !== 'number')
    throw new RouteError(400, 'VALIDATION_ERROR', "expected a JSON body with a 'version'");
  return sendJson(call.res, 200, {
    info: await call.manager.rollbackSecret(name, body.version, { ...call.who, ...call.actor }),
  });
}

/** The reads that name no one secret: batch get, list, health and metrics. */
async function readRoute(call: Call, path: string): Promise<number> {
  const { res, url, manager, who, ctx } = call;
  switch (path) {
    case '/v1/secrets': {
      const names = (url.searchParams.get('names') ?? '').split(',').filter(Boolean);
      if (names.length === 0) throw new RouteError(400, 'VALIDATION_ERROR', 'expected ?names=a,b,c');
      const found = await manager.getSecrets(names, who);
      return sendJson(res, 200, {
        secrets: Object.fromEntries([...found].map(([name, secret]) => [name, secret ? wire(secret) : null])),
      });
    }
    case '/v1/list': {
      const prefix = url.searchParams.get('prefix') ?? undefined;
      const pattern = url.searchParams.get('pattern') ?? undefined;
      const listed = await manager.listSecrets({
        ...who,
        ...(prefix ? { prefix } : {}),
        ...(pattern ? { pattern } : {}),
      });
      return sendJson(res, 200, { secrets: listed });
    }
    case '/v1/health': {
      const report = await manager.healthCheck();
      return sendJson(res, report.status === 'unhealthy' ? 503 : 200, { ...report, agent: ctx.describe() });
    }
    case '/v1/metrics': {
      return sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await ctx.metrics());
    }
    default:
      throw new RouteError(404, 'NOT_FOUND', `no route ${path}`);
  }
}

/** Answers an error: see `errorAnswer`. */
export function fail(res: ServerResponse, error: unknown): number {
  return send(res, errorAnswer(error));
}

/** The answer to an error: a HushError keeps its code (its message is already masked by the manager). */
export function errorAnswer(error: unknown): Answer {
  if (error instanceof RouteError)
    return jsonAnswer(error.status, { error: { code: error.code, message: error.message } });
  if (error instanceof HushError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    const failures = (error as { failures?: unknown }).failures;
    return jsonAnswer(status, {
      error: { code: error.code, message: error.message, ...(failures ? { failures } : {}) },
    });
  }
  return jsonAnswer(500, { error: { code: 'INTERNAL', message: 'the agent failed to serve the request' } });
}

/** What a rotation keeps of a provider write's options: its tags are the rotation's own to set. */
function rotationOf(options: Record<string, unknown>): RotateSecretOptions {
  const { expiresAt, expectedVersion, scope } = options as RotateSecretOptions;
  return {
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

function writable(ctx: RouteContext): void {
  if (!ctx.allowWrites)
    throw new RouteError(
      403,
      'WRITES_DISABLED',
      'writes are off in this agent (start it with --allow-writes)',
    );
}

function methodNotAllowed(method: string): RouteError {
  return new RouteError(405, 'METHOD_NOT_ALLOWED', `method ${method} is not allowed here`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new RouteError(413, 'VALIDATION_ERROR', 'the request body is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {}
  // Never quote the body: it may hold the value being written.
  throw new RouteError(400, 'VALIDATION_ERROR', 'the request body is not a JSON object');
}
