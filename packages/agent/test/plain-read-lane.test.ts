import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../src/index.js';
import { agentOver } from './support.js';

// The agent answers plain reads on the socket itself and hands every other request to node:http.
// These tests speak raw HTTP/1.1, one connection at a time, to check that the two paths answer as
// one server: in order, with the same refusals, whatever way the bytes arrive.

const VALUE = 'lane-planted-value-7e11';

interface Response {
  status: number;
  head: string;
  body: string;
}

/** Sends `chunks` in turn on one connection and reads `count` responses (or until it closes). */
async function exchange(
  target: { socket: string } | { port: number },
  chunks: string[],
  count: number,
): Promise<{ responses: Response[]; closed: boolean }> {
  const socket: Socket = 'socket' in target ? connect(target.socket) : connect(target.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const responses: Response[] = [];
  let buffered = Buffer.alloc(0);
  let closed = false;
  const done = new Promise<void>((resolve) => {
    const finish = (): void => resolve();
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', finish);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffered.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) break;
        responses.push({
          status: Number(head.slice(9, 12)),
          head,
          body: buffered.toString('utf8', end + 4, end + 4 + length),
        });
        buffered = buffered.subarray(end + 4 + length);
      }
      if (responses.length >= count) finish();
    });
  });
  for (const chunk of chunks) {
    socket.write(chunk, 'latin1');
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  socket.destroy();
  return { responses, closed };
}

const get = (path: string, headers = 'host: agent\r\n'): string => `GET ${path} HTTP/1.1\r\n${headers}\r\n`;

describe('the plain-read lane', () => {
  it('answers pipelined requests in order, handing the first that is not a plain read to node:http', async () => {
    const { socket } = await agentOver({ a: VALUE, 'db/url': 'postgres://x' });
    const { responses } = await exchange(
      { socket },
      [get('/v1/secret/a') + get('/v1/secret/db/url') + get('/v1/health') + get('/v1/secret/a')],
      4,
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(responses[0]!.body).secret.value).toBe(VALUE);
    expect(JSON.parse(responses[1]!.body).secret.name).toBe('db/url');
    expect(JSON.parse(responses[2]!.body).status).toBe('healthy');
    expect(JSON.parse(responses[3]!.body).secret.value).toBe(VALUE);
    // The first two were answered by the lane (its header names are lower case; node:http's are
    // not): the lane is in use, and node:http served the connection after the hand-over.
    expect(responses[0]!.head).toContain('\r\nconnection: keep-alive');
    expect(responses[3]!.head).toContain('\r\nConnection: keep-alive');
  });

  it('reads a head that arrives a byte at a time', async () => {
    const { socket } = await agentOver({ a: VALUE });
    const request = get('/v1/secret/a', 'Host: agent\r\nAccept: application/json\r\n');
    const { responses } = await exchange({ socket }, [...request], 1);
    expect(responses[0]!.status).toBe(200);
    expect(JSON.parse(responses[0]!.body).secret.value).toBe(VALUE);
  });

  it('leaves to node:http what it does not vouch for, and node:http answers it as before', async () => {
    const { socket } = await agentOver({ a: VALUE });
    const cases: [string, number][] = [
      // A body the lane would not read: node:http reads it, and the next request still parses.
      ['GET /v1/secret/a HTTP/1.1\r\nhost: agent\r\ncontent-length: 5\r\n\r\nhello', 200],
      ['GET /v1/secret/a HTTP/1.1\r\nhost: agent\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', 200],
      ['GET /v1/secret/a HTTP/1.1\r\n\r\n', 400], // no Host
      ['GET /v1/secret/a HTTP/1.1\r\nhost: agent\nx: y\r\n\r\n', 400], // a bare LF
      ['GET /v1/secret/a HTTP/1.1\r\nhost: agent\r\n folded\r\n\r\n', 400], // obs-fold
      ['GET /v1/secret/missing HTTP/1.1\r\nhost: agent\r\n\r\n', 404],
      ['GET /v1/secret/a?version=1 HTTP/1.1\r\nhost: agent\r\n\r\n', 200],
      ['GET /v1/secret/%61 HTTP/1.1\r\nhost: agent\r\n\r\n', 200],
      ['GET /v1/secret/a HTTP/1.1\r\nhost: agent\r\nx-forwarded-for: 10.0.0.1\r\n\r\n', 403],
    ];
    for (const [request, status] of cases) {
      const { responses } = await exchange({ socket }, [request + get('/v1/secret/a')], 2);
      expect(responses[0]?.status, JSON.stringify(request)).toBe(status);
      if (status === 400) continue; // node:http closes a connection it cannot parse
      expect(responses[1]?.status, JSON.stringify(request)).toBe(200);
      expect(responses[0]!.body).not.toContain('hello');
    }
  });

  it('closes after the answer when the client asks, or half-closes after its request', async () => {
    const { socket } = await agentOver({ a: VALUE });
    const asked = await exchange(
      { socket },
      [get('/v1/secret/a', 'host: agent\r\nconnection: close\r\n')],
      2,
    );
    expect(asked.responses.map((r) => r.status)).toEqual([200]);
    expect(asked.closed).toBe(true);

    const client = connect(socket);
    await new Promise((resolve) => client.once('connect', resolve));
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.end(get('/v1/secret/a'));
    await new Promise((resolve) => client.once('close', resolve));
    expect(Buffer.concat(chunks).toString()).toContain(VALUE);
  });

  it('a stop closes idle kept-alive connections at once', async () => {
    const { agent, socket } = await agentOver({ a: VALUE });
    const client = connect(socket);
    await new Promise((resolve) => client.once('connect', resolve));
    client.write(get('/v1/secret/a'));
    await new Promise((resolve) => client.once('data', resolve));
    const closed = new Promise((resolve) => client.once('close', resolve));
    await agent.stop();
    await closed;
  });

  it('on the listener: the token, once and right; a duplicate or a wrong one is refused', async () => {
    const { agent } = await agentOver({ a: VALUE }, { listen: '127.0.0.1:0' });
    const port = Number(new URL(agent.url!).port);
    const token = readFileSync(agent.tokenFile!, 'utf8').trim();
    const withToken = (...tokens: string[]): string =>
      get('/v1/secret/a', `host: agent\r\n${tokens.map((t) => `${TOKEN_HEADER}: ${t}\r\n`).join('')}`);
    // Each on a connection of its own: after a request it leaves to node:http, the lane has let
    // go of that connection, so only a first request shows what the lane itself does.
    const responses = [];
    for (const request of [withToken(token), withToken(), withToken(`${token}x`), withToken(token, token)])
      responses.push(...(await exchange({ port }, [request + withToken(token)], 2)).responses);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 200, 401, 200, 401, 200]);
    for (const r of [responses[2]!, responses[4]!, responses[6]!]) expect(r.body).not.toContain(VALUE);
  });
  it('answers any mix of requests, however the bytes are cut, as a model of the routes says', async () => {
    const { agent } = await agentOver({ a: VALUE, 'team/b': 'other-value' }, { listen: '127.0.0.1:0' });
    const port = Number(new URL(agent.url!).port);
    const token = readFileSync(agent.tokenFile!, 'utf8').trim();
    const kinds: { request: string; status: number; value?: string }[] = [
      { request: get('/v1/secret/a', `Host: x\r\n${TOKEN_HEADER}: ${token}\r\n`), status: 200, value: VALUE },
      {
        request: get('/v1/secret/team/b', `host: x\r\naccept: */*\r\n${TOKEN_HEADER}:${token}  \r\n`),
        status: 200,
        value: 'other-value',
      },
      { request: get('/v1/secret/none', `host: x\r\n${TOKEN_HEADER}: ${token}\r\n`), status: 404 },
      { request: get('/v1/secret/a', 'host: x\r\n'), status: 401 },
      { request: get('/v1/secret/a', `host: x\r\n${TOKEN_HEADER}: ${token.slice(1)}\r\n`), status: 401 },
      {
        request: get('/v1/secret/a', `host: x\r\n${TOKEN_HEADER}: ${token}\r\n${TOKEN_HEADER}: ${token}\r\n`),
        status: 401,
      },
      {
        request: get('/v1/secret/a', `host: x\r\n${TOKEN_HEADER}: ${token}\r\nForwarded: for=1.2.3.4\r\n`),
        status: 403,
      },
      { request: get('/v1/health', `host: x\r\n${TOKEN_HEADER}: ${token}\r\n`), status: 200 },
      {
        request: `GET /v1/secret/a HTTP/1.1\r\nhost: x\r\n${TOKEN_HEADER}: ${token}\r\ncontent-length: 2\r\n\r\n{}`,
        status: 200,
        value: VALUE,
      },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: kinds.length - 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        async (picked, cuts) => {
          const bytes = picked.map((k) => kinds[k]!.request).join('');
          const chunks: string[] = [];
          for (let at = 0, c = 0; at < bytes.length; c++) {
            const size = cuts[c % cuts.length]!;
            chunks.push(bytes.slice(at, at + size));
            at += size;
          }
          const { responses } = await exchange({ port }, chunks, picked.length);
          expect(responses.map((r) => r.status)).toEqual(picked.map((k) => kinds[k]!.status));
          responses.forEach((response, i) => {
            const kind = kinds[picked[i]!]!;
            if (kind.value !== undefined) expect(JSON.parse(response.body).secret.value).toBe(kind.value);
            else expect(response.body).not.toContain(VALUE);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the plain-read lane at the end of a stream', () => {
  it('a client that half-closes after a cut-off head or after requests the lane cannot serve leaves the agent serving', async () => {
    const { socket } = await agentOver({ a: VALUE });
    for (const bytes of [
      'GET /v1/secret/a HTTP/1.1\r\nhos',
      `${get('/v1/secret/a')}GET /v1/health HTTP/1.1\r\nhost: agent\r\n\r\n`,
    ]) {
      const client = connect(socket);
      await new Promise((resolve) => client.once('connect', resolve));
      client.on('data', () => undefined);
      client.end(bytes);
      await new Promise((resolve) => client.once('close', resolve));
      const { responses } = await exchange({ socket }, [get('/v1/secret/a')], 1);
      expect(responses[0]?.status).toBe(200);
    }
  });
});
