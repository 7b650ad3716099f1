import type { IncomingMessage } from 'node:http';
import { readBody } from '../server/http.js';
import type { AzureContext } from './context.js';
import { faultReply } from './faults.js';
import { handle } from './operations.js';
import { errorReply, type Reply, resolveRoute } from './routes.js';

const MAX_BODY_BYTES = 1024 * 1024;
const SUPPORTED_API_VERSION = /^(7\.\d(-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$/;

/** Serves one Key Vault request: faults, the bearer challenge, route and api-version, permission, then the operation. */
export async function serveVault(
  c: AzureContext,
  req: IncomingMessage,
  url: URL,
): Promise<Reply | undefined> {
  const faulted = await injectedFault(c, req);
  if (faulted && 'reply' in faulted) return faulted.reply;
  let text = faulted?.text;

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

  const versionProblem = apiVersionProblem(url);
  if (versionProblem) return versionProblem;

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

/**
 * The fault the injector decides for this request: an outage drops the connection (no reply), an
 * echo of the body is answered at once, other faults get their reply. `text` is the body already
 * read, for a bodyless request the echo left to the usual path.
 */
async function injectedFault(
  c: AzureContext,
  req: IncomingMessage,
): Promise<{ reply: Reply | undefined } | { text: string } | undefined> {
  const decision = await c.faults.decide();
  if (decision === 'outage') {
    req.socket.destroy();
    return { reply: undefined };
  }
  // An echo needs a body; the SDK's first, bodyless request (the challenge) is served as usual.
  if (decision === 'echo') {
    const text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    if (text === '') return { text };
    c.faults.echoed();
    c.requests.faulted++;
    return { reply: faultReply(decision, 0, c.throttleRetryAfter, text) };
  }
  if (!decision) return undefined;
  c.requests.faulted++;
  return { reply: faultReply(decision, decision === 'error' ? c.injectedErrors++ : 0, c.throttleRetryAfter) };
}

/** The service's answer to a missing or unknown `api-version`; undefined when it is one the service knows. */
function apiVersionProblem(url: URL): Reply | undefined {
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion)
    return errorReply(
      400,
      'BadParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  if (!SUPPORTED_API_VERSION.test(apiVersion))
    return errorReply(
      400,
      'BadParameter',
      `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
    );
  return undefined;
}
