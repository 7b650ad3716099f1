import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderUnavailableError, SecretManager } from '@hush/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentProvider } from '../src/index.js';
import { parseHead } from '../src/response-head.js';

// The client's HTTP/1.1 framing against a server that writes exactly the bytes a test gives it
// (the live agent is exercised in @hush/agent's tests, which depend on this package).

const PLANTED = 'planted-client-value-5e11a2';
const folders: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A reply of the agent's shape: the secret's JSON with a Content-Length. */
function secretReply(value: string, extraHeaders = ''): string {
  const body = JSON.stringify({
    secret: {
      key: 'k',
      version: '1',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      value,
    },
  });
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * A Unix socket server: `answer` is told each request (its bytes, the connection, the number of
 * that connection) and writes what it likes.
 */
async function scripted(
  answer: (request: string, socket: Socket, connection: number) => void,
): Promise<{ socket: string; connections: () => number }> {
  const folder = mkdtempSync(join(tmpdir(), 'hush-pa-client-'));
  folders.push(folder);
  const path = join(folder, 'agent.sock');
  let connections = 0;
  const server = createServer((socket) => {
    const number = ++connections;
    socket.on('data', (chunk) => answer(chunk.toString('latin1'), socket, number));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { socket: path, connections: () => connections };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('the response head', () => {
  it('reads the status, the length and the connection, in any case', () => {
    const head = parseHead(
      Buffer.from('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 12\r\n\r\n'),
    );
    expect(head).toMatchObject({ status: 404, contentLength: 12, close: true, chunked: false });
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\ncontent-le'))).toBeUndefined();
    expect(parseHead(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'))?.chunked).toBe(
      true,
    );
    expect(parseHead(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))?.contentLength).toBe(0);
    expect(() => parseHead(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not HTTP/);
    expect(() => parseHead(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n'))).toThrow(
      /Content-Length/,
    );
  });
});

describe('the agent client', () => {
  it('keeps one connection alive across sequential reads', async () => {
    const server = await scripted((_, socket) => socket.write(secretReply(PLANTED)));
    const provider = new AgentProvider({ socket: server.socket });
    for (let i = 0; i < 20; i++) expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(1);
    expect(provider.metrics()).toMatchObject({ requests: 20, connections: 1 });
    await provider.dispose();
  });

  it('reads a response that comes in pieces: the head cut in two, the body in three', async () => {
    const server = await scripted((_, socket) => {
      const bytes = Buffer.from(secretReply(PLANTED));
      const cuts = [0, 20, bytes.indexOf('\r\n\r\n') + 2, bytes.length - 30, bytes.length - 1, bytes.length];
      void (async () => {
        for (let i = 1; i < cuts.length; i++) {
          socket.write(bytes.subarray(cuts[i - 1], cuts[i]));
          await pause();
        }
      })();
    });
    const provider = new AgentProvider({ socket: server.socket });
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(1);
    await provider.dispose();
  });

  it('reads a body that runs to the close, then opens a new connection', async () => {
    const server = await scripted((_, socket) => {
      const reply = secretReply(PLANTED).replace(/content-length: \d+\r\n/, 'connection: close\r\n');
      socket.end(reply);
    });
    const provider = new AgentProvider({ socket: server.socket });
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(2);
    await provider.dispose();
  });

  it('closes a connection the agent says it closes (Connection: close), and reads on a new one', async () => {
    let requests = 0;
    const server = await scripted((_, socket) => {
      requests++;
      socket.end(secretReply(PLANTED, 'Connection: close\r\n'));
    });
    const provider = new AgentProvider({ socket: server.socket });
    for (let i = 0; i < 3; i++) expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(requests).toBe(3);
    expect(server.connections()).toBe(3);
    await provider.dispose();
  });

  it('sends a read again on a new connection when the agent closed the reused one under it', async () => {
    // The second connection's first request finds it closed without a byte of answer, as an
    // agent that restarted (or dropped an idle connection) leaves it.
    const server = await scripted((_, socket, connection) => {
      if (connection === 1 && socket.bytesWritten > 0) socket.destroy();
      else socket.write(secretReply(PLANTED));
    });
    const provider = new AgentProvider({ socket: server.socket });
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(2);
    await provider.dispose();
  });

  it('fails over, with no value in the error, when a response is cut short or framed otherwise', async () => {
    const cut = await scripted((_, socket) => {
      const reply = secretReply(PLANTED);
      socket.end(reply.slice(0, reply.length - 5));
    });
    const chunked = await scripted((_, socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n${PLANTED}\r\n0\r\n\r\n`),
    );
    for (const [server, code] of [
      [cut, 'ECONNRESET'],
      [chunked, 'BAD_RESPONSE'],
    ] as const) {
      const provider = new AgentProvider({ socket: server.socket });
      const error = await provider.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).failures[0]?.code).toBe(code);
      expect(JSON.stringify((error as ProviderUnavailableError).failures)).not.toContain(PLANTED);
      expect(String((error as Error).message)).not.toContain(PLANTED);
      await provider.dispose();
    }
  });

  it('maps a 500 without a JSON body to an outage, and keeps the connection for the next read', async () => {
    let calls = 0;
    const server = await scripted((_, socket) => {
      if (++calls === 1) socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\noops');
      else socket.write(secretReply(PLANTED));
    });
    const provider = new AgentProvider({ socket: server.socket });
    const error = await provider.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).failures[0]?.code).toBe('HTTP_500');
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(1);
    await provider.dispose();
  });

  it("a manager's timeout ends the request in flight at once: its connection is dropped then", async () => {
    let closed!: () => void;
    const dropped = new Promise<void>((resolve) => {
      closed = resolve;
    });
    let silent = true;
    const server = await scripted((_, socket) => {
      socket.once('close', () => closed());
      if (!silent) socket.write(secretReply(PLANTED));
    });
    // The client would wait a minute on its own: only the manager's signal can end this early.
    const provider = new AgentProvider({ socket: server.socket, timeoutMs: 60_000 });
    const manager = new SecretManager({ providers: [{ provider, timeout: 50 }], cache: { enabled: false } });
    const error = await manager.getSecret('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    await dropped;
    // The signal served a later call with no watcher left behind: the next read is answered.
    silent = false;
    expect((await manager.getSecret('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(2);
    await manager.dispose();
  });

  it('gives up on an agent that does not answer within the timeout, and on an abort', async () => {
    let silent = true;
    const server = await scripted((_, socket) => {
      if (!silent) socket.write(secretReply(PLANTED));
    });
    // Long enough for the last read's new connection to be answered on a loaded machine.
    const provider = new AgentProvider({ socket: server.socket, timeoutMs: 500 });
    const timedOut = await provider.get('k').catch((e: unknown) => e);
    expect((timedOut as ProviderUnavailableError).failures?.[0]?.code).toBe('TIMEOUT');
    const controller = new AbortController();
    const aborted = provider.get('k', { abortSignal: controller.signal }).catch((e: unknown) => e);
    await pause();
    controller.abort();
    expect(((await aborted) as ProviderUnavailableError).failures?.[0]?.code).toBe('ABORT_ERR');
    const already = await provider.get('k', { abortSignal: controller.signal }).catch((e: unknown) => e);
    expect((already as ProviderUnavailableError).failures?.[0]?.code).toBe('ABORT_ERR');
    // Each failed request dropped its connection: the next read opens a new one and is answered.
    silent = false;
    expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(server.connections()).toBe(3);
    await provider.dispose();
  });

  it('sends the token header, and never a token that would break the request into more headers', async () => {
    const requests: string[] = [];
    const folder = mkdtempSync(join(tmpdir(), 'hush-pa-tcp-'));
    folders.push(folder);
    const server = createServer((socket) =>
      socket.on('data', (chunk) => {
        requests.push(chunk.toString('latin1'));
        socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      }),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const good = new AgentProvider({ url, token: 'tok-123_abc' });
    await good.get('k').catch(() => undefined);
    expect(requests[0]).toMatch(/^GET \/v1\/secret\/k HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    expect(requests[0]).toContain('\r\nx-hush-agent-token: tok-123_abc\r\n');
    const bad = new AgentProvider({ url, token: 'tok\r\nx-forwarded-for: 10.0.0.1' });
    const refused = await bad.get('k').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect(requests[1]).not.toContain('x-hush-agent-token');
    expect(requests[1]).not.toContain('x-forwarded-for');
    await good.dispose();
    await bad.dispose();
  });

  it('answers concurrent reads on a few connections', async () => {
    const server = await scripted((_, socket) => setTimeout(() => socket.write(secretReply(PLANTED)), 2));
    const provider = new AgentProvider({ socket: server.socket });
    const values = await Promise.all(Array.from({ length: 40 }, () => provider.get('k')));
    expect(values.every((secret) => secret?.value === PLANTED)).toBe(true);
    expect(server.connections()).toBeLessThanOrEqual(16);
    expect(server.connections()).toBeGreaterThan(1);
    await provider.dispose();
  });
});
