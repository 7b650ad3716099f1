import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { FaultInjector } from '../faults.js';
import { readBody } from '../server/http.js';
import { faultAnswer } from './faults.js';
import type { RouterSettings, VaultRequest, VaultResponse } from './responses.js';
import { classify, type VaultRouter } from './router.js';
import type { VaultState } from './state.js';

const LIST_TRUE = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);
const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VaultTransport {
  router: VaultRouter;
  state: VaultState;
  settings: RouterSettings;
  faults: FaultInjector;
  counters: Record<string, number>;
}

/** The request handler of the HTTP server: reads the body, serves, writes the answer. */
export function httpHandler(t: VaultTransport): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readBody(req, MAX_BODY_BYTES).then(
      async (body) => {
        const method = (req.method ?? 'GET').toUpperCase();
        const answer = await serve(t, { method, url: req.url ?? '/', headers: req.headers, body });
        if (answer === 'outage') req.socket.destroy();
        else send(res, answer, method === 'HEAD');
      },
      () => send(res, { status: 413, body: { errors: ['request body too large'] } }),
    );
  };
}

/**
 * Node's HTTP parser refuses the LIST verb before any handler runs; the refused bytes still
 * reach 'clientError', where a LIST (which has no body) is answered by hand.
 */
export function acceptListVerb(server: Server, t: VaultTransport): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    const list = error.code === 'HPE_INVALID_METHOD' ? parseListRequest(error.rawPacket) : undefined;
    if (!list) {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
      return;
    }
    void serve(t, { method: 'LIST', url: list.url, headers: list.headers, body: Buffer.alloc(0) }).then(
      (answer) => {
        if (answer === 'outage') socket.destroy();
        else writeRaw(socket, answer);
      },
    );
  });
}

function operationOf(method: string, url: URL): VaultRequest['operation'] {
  if (method === 'LIST' || (method === 'GET' && LIST_TRUE.has(url.searchParams.get('list') ?? '')))
    return 'list';
  if (method === 'POST' || method === 'PUT') return 'write';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return 'delete';
  return 'read';
}

function parseBody(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return {};
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return undefined;
  }
}

/** One request, whatever carried it: the answer, or 'outage' to drop the connection. */
async function serve(t: VaultTransport, incoming: RawRequest): Promise<VaultResponse | 'outage'> {
  const { method, headers } = incoming;
  const url = new URL(incoming.url, 'http://vault.local');
  if (!url.pathname.startsWith('/v1/')) return { status: 404, body: { errors: [] } };
  const path = decodeURIComponent(url.pathname.slice('/v1/'.length));
  const operation = operationOf(method, url);
  const kind = classify(path, operation, t.settings, Object.keys(t.state.data.databases));
  t.counters[kind] = (t.counters[kind] ?? 0) + 1;

  const fault = await t.faults.decide();
  if (fault === 'outage') return 'outage';
  if (fault === 'echo' && incoming.body.length > 0) {
    t.faults.echoed();
    return faultAnswer(fault, path, incoming.body.toString('utf8'));
  }
  if (fault && fault !== 'echo') return faultAnswer(fault, path);

  const body = parseBody(incoming.body);
  if (!body) return { status: 400, body: { errors: ['failed to parse JSON input: invalid character'] } };
  const headerToken = headers['x-vault-token'];
  const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  const request: VaultRequest = {
    operation,
    path,
    query: url.searchParams,
    body,
    token: (Array.isArray(headerToken) ? headerToken[0] : headerToken) || bearer,
    namespace: String(headers['x-vault-namespace'] ?? '').replace(/^\/+|\/+$/g, ''),
    contentType: String(headers['content-type'] ?? ''),
  };
  let response: VaultResponse;
  try {
    response = t.router.handle(request);
  } catch (error) {
    response = { status: 500, body: { errors: [`1 error occurred:\n\t* ${(error as Error).message}\n\n`] } };
  }
  try {
    t.state.save();
  } catch (error) {
    response = { status: 500, body: { errors: [`failed to persist: ${(error as Error).message}`] } };
  }
  return response;
}

function send(res: ServerResponse, response: VaultResponse, headOnly = false): void {
  if (res.destroyed) return;
  res.setHeader('Cache-Control', 'no-store');
  if (response.status === 204 || response.body === undefined) {
    res.writeHead(response.status);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(headOnly ? undefined : text);
}

/** Reads `LIST <url> HTTP/1.x` and its headers from the bytes the HTTP parser refused. */
export function parseListRequest(
  raw: Buffer | undefined,
): { url: string; headers: IncomingHttpHeaders } | undefined {
  if (!raw) return undefined;
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine, ...lines] = text.slice(0, end).split('\r\n');
  const match = /^LIST (\S+) HTTP\/1\.[01]$/.exec(requestLine ?? '');
  if (!match) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { url: match[1]!, headers };
}

/** Writes an answer straight to the socket and closes it (the parser cannot go on after a LIST). */
function writeRaw(socket: Duplex, response: VaultResponse): void {
  if (!socket.writable) return;
  const text = response.status === 204 || response.body === undefined ? '' : JSON.stringify(response.body);
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    'Cache-Control: no-store',
    ...(text ? ['Content-Type: application/json'] : []),
    `Content-Length: ${Buffer.byteLength(text)}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}
