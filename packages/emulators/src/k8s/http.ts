import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeProtobufSecret } from './protobuf.js';
import { type StatusError, statuses } from './status.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, error: StatusError): void {
  send(res, error.code, error.body, error.headers);
}

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const protobuf = isProtobuf(req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw statuses.tooLarge(MAX_BODY_BYTES);
    chunks.push(chunk);
  }
  // A protobuf DeleteOptions carries nothing the emulator needs; a protobuf Secret is decoded.
  if (protobuf) return req.method === 'DELETE' ? undefined : decodeProtobufSecret(Buffer.concat(chunks));
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

export function dryRun(url: URL): boolean {
  const values = url.searchParams.getAll('dryRun');
  for (const v of values)
    if (v !== 'All')
      throw statuses.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}, valid values are: "All"`);
  return values.length > 0;
}

/** A protobuf body (what kubectl 1.32+ sends for Secrets); a patch in protobuf is refused with 415. */
function isProtobuf(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== PROTOBUF) return false;
  if (req.method === 'PATCH') throw statuses.unsupportedBody(['application/json', 'application/yaml']);
  return true;
}

/** Whether the client asked for a Table (`kubectl get`'s `Accept: application/json;as=Table;...`). */
export function wantsTable(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? '')
    .split(',')
    .some((part) => part.split(';').some((p) => p.trim() === 'as=Table'));
}
