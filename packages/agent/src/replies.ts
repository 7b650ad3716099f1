import type { ServerResponse } from 'node:http';
import type { Secret } from '@hush/core';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A secret on the wire: its fields and its value (the one place a value leaves the agent). */
export function wire(secret: Secret): Record<string, unknown> {
  return { ...secret.toInfo(), value: secret.value };
}

/** An answer ready to send: its body's bytes and its headers (a flat name, value list). */
interface Prepared {
  body: Buffer;
  headers: string[];
}

/**
 * The answers for secrets the manager served. A cached read returns the same `Secret` object
 * until its entry is replaced, so its answer is serialised once per entry, not once per request;
 * it goes when the entry (and its `Secret`) does.
 */
const prepared = new WeakMap<Secret, Prepared>();

/** Answers 200 with one secret: `{ "secret": { ...fields, "value": ... } }`. */
export function sendSecret(res: ServerResponse, secret: Secret): number {
  let answer = prepared.get(secret);
  if (answer === undefined) {
    answer = prepare(JSON.stringify({ secret: wire(secret) }));
    prepared.set(secret, answer);
  }
  res.writeHead(200, answer.headers);
  res.end(answer.body);
  return 200;
}

/** Answers with JSON; every answer carries its Content-Length (clients read no other framing). */
export function sendJson(res: ServerResponse, status: number, body: unknown): number {
  const answer = prepare(JSON.stringify(body));
  res.writeHead(status, answer.headers);
  res.end(answer.body);
  return status;
}

/** Answers with text (the metrics), with its Content-Length. */
export function sendText(res: ServerResponse, status: number, type: string, text: string): number {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, headers(type, body.length));
  res.end(body);
  return status;
}

function prepare(text: string): Prepared {
  const body = Buffer.from(text, 'utf8');
  return { body, headers: headers(JSON_TYPE, body.length) };
}

function headers(type: string, length: number): string[] {
  return ['content-type', type, 'content-length', String(length), 'cache-control', 'no-store'];
}
