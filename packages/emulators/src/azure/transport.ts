import type { IncomingMessage } from 'node:http';
import { readBody } from '../server/http.js';
import type { AzureContext } from './context.js';
import { faultReply } from './faults.js';
import { handle } from './operations.js';
import { errorReply, type Reply, resolveRoute } from './routes.js';

const MAX_BODY_BYTES = 1024 * 1024;
const SUPPORTED_API_VERSION = /^(7\.\d(-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$/;

export async function serveVault(
  c: AzureContext,
  req: IncomingMessage,
  url: URL,
): Promise<Reply | undefined> {
  const decision = await c.faults.decide();
  if (decision === 'outage') {
    req.socket.destroy();
    return undefined;
  }
  // An echo needs a body; the SDK's first, bodyless request (the challenge) is served as usual.
  let text: string | undefined;
  if (decision === 'echo') {
    text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    if (text !== '') {
      c.faults.echoed();
      c.requests.faulted++;
      return faultReply(decision, 0, c.throttleRetryAfter, text);
    }
  } else if (decision) {
    c.requests.faulted++;
    return faultReply(decision, decision === 'error' ? c.injectedErrors++ : 0, c.throttleRetryAfter);
  }

  // Authentication comes first: the SDK's first request is sent without a token (and without its body).
  const check = c.authority.verify(req.headers.authorization);
  if (!check.ok) {
    c.requests.challenges++;
    return errorReply(401, check.code, check.message, undefined, {
      'www-authenticate': c.authority.challenge(),
    });
  }

  const route = resolveRoute(req.method ?? 'GET', url.pathname);
  if (!('operation' in route)) return route;

  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion)
    return errorReply(
      400,
      'BadParameter',
      'The api-version query parameter (?api-version=) is required for all c.requests.',
    );
  if (!SUPPORTED_API_VERSION.test(apiVersion))
    return errorReply(
      400,
      'BadParameter',
      `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
    );

  c.requests.operations[route.operation] = (c.requests.operations[route.operation] ?? 0) + 1;
  if (!check.caller.permissions.has(route.permission)) {
    c.requests.forbidden++;
    return errorReply(
      403,
      'Forbidden',
      `The user, group or application 'appid=${check.caller.appId};oid=${check.caller.objectId};iss=${c.authority.issuer}' does not have secrets ${route.permission} permission on key vault 'emulator;location=local'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      'AccessDenied',
    );
  }

  let body: unknown;
  text ??= (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return errorReply(400, 'BadParameter', 'The request body is not valid JSON.');
    }
  }
  const reply = handle({
    route,
    query: url.searchParams,
    body,
    state: c.state,
    settings: c.settings,
    now: c.now(),
  });
  if (reply.status === 403) c.requests.forbidden++;
  return reply;
}
