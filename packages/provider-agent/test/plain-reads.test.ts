import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from '@hush/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentProvider } from '../src/index.js';

// Plain reads keep their request's bytes and the last answer per name: an answer byte for byte
// the same as the last is the secret read then, any other is read anew. A server here answers
// each read with what the test set for its path, and records the requests.

const folders: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'hush-pa-plain-'));
  folders.push(made);
  return made;
}

/** The agent's answer for a secret, as its lane sends it. */
function found(name: string, value: string, version = '1'): string {
  const body = JSON.stringify({
    secret: {
      key: name,
      version,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-02T00:00:00Z',
      value,
    },
  });
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function notFound(name: string): string {
  const body = JSON.stringify({ error: { code: 'SECRET_NOT_FOUND', message: `no secret ${name}` } });
  return `HTTP/1.1 404 Not Found\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

/** Answers each request with `answers[path]`; every request's bytes are kept in order. */
async function agentLike(listen: (server: Server) => Promise<string>) {
  const answers = new Map<string, string>();
  const requests: string[] = [];
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      const request = chunk.toString('latin1');
      requests.push(request);
      const path = request.slice(request.indexOf(' ') + 1, request.indexOf(' HTTP/1.1'));
      socket.write(answers.get(path) ?? 'HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n');
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  return { address: await listen(server), answers, requests };
}

const onSocket = () =>
  agentLike(async (server) => {
    const path = join(folder(), 'agent.sock');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return path;
  });

describe('plain reads', () => {
  it('return the secret read last while the answer is the same bytes, and read a changed one anew', async () => {
    const agent = await onSocket();
    const provider = new AgentProvider({ socket: agent.address });
    agent.answers.set('/v1/secret/db/url', found('db/url', 'planted-plain-one'));
    const first = await provider.get('db/url');
    expect(first?.value).toBe('planted-plain-one');
    expect(first?.createdAt).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(await provider.get('db/url')).toBe(first);

    agent.answers.set('/v1/secret/db/url', found('db/url', 'planted-plain-two', '2'));
    const second = await provider.get('db/url');
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ value: 'planted-plain-two', version: '2', provider: 'agent' });

    agent.answers.set('/v1/secret/db/url', notFound('db/url'));
    expect(await provider.get('db/url')).toBeNull();
    // Every read asked the agent: nothing is served without its answer.
    expect(agent.requests).toHaveLength(4);
    expect(agent.requests[0]).toBe(
      'GET /v1/secret/db/url HTTP/1.1\r\nhost: localhost\r\naccept: application/json\r\n\r\n',
    );
    await provider.dispose();
  });

  it('send a name the lane does not take as it is (escaped) on the general path, which closes the connection', async () => {
    const agent = await onSocket();
    const provider = new AgentProvider({ socket: agent.address });
    agent.answers.set('/v1/secret/a%20b', found('a b', 'planted-escaped'));
    expect((await provider.get('a b'))?.value).toBe('planted-escaped');
    expect(agent.requests[0]).toMatch(/^GET \/v1\/secret\/a%20b HTTP\/1\.1\r\n/);
    expect(agent.requests[0]).toContain('\r\nconnection: close\r\n');
    await provider.dispose();
  });

  it('keep at most 1,024 names: the first kept goes first', async () => {
    const agent = await onSocket();
    const provider = new AgentProvider({ socket: agent.address });
    const names = Array.from({ length: 1025 }, (_, i) => `n/${i}`);
    for (const name of names) agent.answers.set(`/v1/secret/${name}`, found(name, `planted-${name}`));
    const firstOfN0 = await provider.get('n/0');
    const firstOfN1 = await provider.get('n/1');
    for (const name of names.slice(2)) await provider.get(name);
    // n/0 went when n/1024 came; n/1 is still kept.
    expect(await provider.get('n/1')).toBe(firstOfN1);
    const again = await provider.get('n/0');
    expect(again).not.toBe(firstOfN0);
    expect(again?.value).toBe('planted-n/0');
    await provider.dispose();
  });

  it('are built again with the new token when the agent answers 401 and its token file has a new one', async () => {
    let token = 'token-one';
    const requests: string[] = [];
    const server = createServer((socket) =>
      socket.on('data', (chunk) => {
        const request = chunk.toString('latin1');
        requests.push(request);
        socket.write(
          request.includes(`\r\nx-hush-agent-token: ${token}\r\n`)
            ? found('k', 'planted-token-read')
            : 'HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n',
        );
      }),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tokenFile = join(folder(), 'agent.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const provider = new AgentProvider({ url, tokenFile });
    expect((await provider.get('k'))?.value).toBe('planted-token-read');

    // The agent restarted with a new token.
    token = 'token-two';
    writeFileSync(tokenFile, `${token}\n`);
    expect((await provider.get('k'))?.value).toBe('planted-token-read');
    expect((await provider.get('k'))?.value).toBe('planted-token-read');
    const sent = requests.map((r) => /x-hush-agent-token: (\S+)/.exec(r)?.[1]);
    // The read with the old token is refused once, sent again with the new, and the next carries it.
    expect(sent).toEqual(['token-one', 'token-one', 'token-two', 'token-two']);
    await provider.dispose();
  });
});

// The model: what each name's last 200 was, byte for byte, and the secret the provider gave for it.
interface Model {
  last: Map<string, { answer: string; secret: Secret }>;
}
interface Real {
  provider: AgentProvider;
  answers: Map<string, string>;
}

class Read implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly name: string,
    readonly answer: { value: string; version: string } | null,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const answer = this.answer
      ? found(this.name, this.answer.value, this.answer.version)
      : notFound(this.name);
    real.answers.set(`/v1/secret/${this.name}`, answer);
    const secret = await real.provider.get(this.name);
    if (this.answer === null) {
      expect(secret).toBeNull();
      return;
    }
    expect(secret).toMatchObject({ key: this.name, value: this.answer.value, version: this.answer.version });
    const last = model.last.get(this.name);
    // The same object exactly when the answer is the same bytes as the last 200 for the name.
    if (last?.answer === answer) expect(secret).toBe(last.secret);
    else expect(secret).not.toBe(last?.secret);
    model.last.set(this.name, { answer, secret: secret! });
  }
  toString = () =>
    `read ${this.name} -> ${this.answer ? `${this.answer.value}@${this.answer.version}` : '404'}`;
}

/** A disposed provider keeps nothing: the next read of every name is read anew. */
class Dispose implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.provider.dispose();
    model.last.clear();
  }
  toString = () => 'dispose';
}

describe('plain reads, against a model of the answers kept', () => {
  it('give the answer the agent sent, the same object only for the same bytes', async () => {
    const agent = await onSocket();
    const command = fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(
            fc.constantFrom('a', 'b/c', 'd.e'),
            fc.option(
              fc.record({
                value: fc.constantFrom('planted-x', 'planted-y'),
                version: fc.constantFrom('1', '2'),
              }),
              { freq: 5 },
            ),
          )
          .map(([name, answer]) => new Read(name, answer)),
      },
      { weight: 1, arbitrary: fc.constant(new Dispose()) },
    );
    await fc.assert(
      fc.asyncProperty(fc.commands([command], { maxCommands: 40 }), async (commands) => {
        const real = { provider: new AgentProvider({ socket: agent.address }), answers: agent.answers };
        await fc.asyncModelRun(() => ({ model: { last: new Map() }, real }), commands);
        await real.provider.dispose();
      }),
      { numRuns: 60 },
    );
  });
});
