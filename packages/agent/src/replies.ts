import type { ServerResponse } from 'node:http';
import type { Secret } from '@hush/core';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A secret on the wire: its fields and its value (the one place a value leaves the agent). */
export function wire(secret: Secret): Record<string, unknown> {
  return { ...secret.toInfo(), value: secret.value };
}

/**
 * An answer ready to send, by `node:http` or by the plain-read lane: its status, its body's bytes
 * and its headers, both as a flat name, value list and as the head's lines.
 */
export interface Answer {
  status: number;
  body: Buffer;
  headers: string[];
  /** `name: value\r\n` for each header, in order. */
  headerLines: string;
}

/**
 * The answers for secrets the manager served. A cached read returns the same `Secret` object
 * until its entry is replaced, so its answer is serialised once per entry, not once per request;
 * it goes when the entry (and its `Secret`) does.
 */
const prepared = new WeakMap<Secret, Answer>();

/** 200 with one secret: `{ "secret": { ...fields, "value": ... } }`. */
export function secretAnswer(secret: Secret): Answer {
  let answer = prepared.get(secret);
  if (answer === undefined) {
    answer = jsonAnswer(200, { secret: wire(secret) });
    prepared.set(secret, answer);
  }
  return answer;
}

/** JSON; every answer carries its Content-Length (clients read no other framing). */
export function jsonAnswer(status: number, body: unknown): Answer {
  return answer(status, JSON_TYPE, Buffer.from(JSON.stringify(body), 'utf8'));
}

/** Sends an answer through `node:http`; returns its status. */
export function send(res: ServerResponse, answer: Answer): number {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
  return answer.status;
}

/** Answers 200 with one secret. */
export function sendSecret(res: ServerResponse, secret: Secret): number {
  return send(res, secretAnswer(secret));
}

/** Answers with JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): number {
  return send(res, jsonAnswer(status, body));
}

/** Answers with text (the metrics), with its Content-Length. */
export function sendText(res: ServerResponse, status: number, type: string, text: string): number {
  return send(res, answer(status, type, Buffer.from(text, 'utf8')));
}

function answer(status: number, type: string, body: Buffer): Answer {
  const headers = ['content-type', type, 'content-length', String(body.length), 'cache-control', 'no-store'];
  let headerLines = '';
  for (let i = 0; i < headers.length; i += 2) headerLines += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return { status, body, headers, headerLines };
}
