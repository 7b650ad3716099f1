import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalFor, HushMcpServer, type HushMcpServerOptions, type WriteRequest } from '../src/index.js';
import { SessionTokens, tokenRefusal } from '../src/tokens.js';

const VALUE = 'mcp-unit-planted-value-3e9a';

describe('SessionTokens', () => {
  it('issues unrelated tokens, finds them in text (unknown ones too), and forgets them all at the end', () => {
    const tokens = new SessionTokens();
    const { token: a } = tokens.issue({ name: 'db/password' });
    const { token: b } = tokens.issue({ name: 'db/password' });
    expect(a).not.toBe(b);
    expect(a.startsWith(`hush:tok_${tokens.session}`)).toBe(true);
    const forged = `hush:tok_${tokens.session}${'a'.repeat(26)}`;
    expect(tokens.find(`x ${a} y ${a} ${forged}`)).toEqual([
      { token: a, target: { name: 'db/password' } },
      { token: forged, problem: 'unknown' },
    ]);
    expect(tokens.replace(`--password=${a}`, () => 'V')).toBe('--password=V');
    tokens.close();
    expect(tokens.find(a)).toEqual([{ token: a, problem: 'ended' }]);
    expect(() => tokens.issue({ name: 'x' })).toThrow('the session has ended');
  });

  it('a token resolves for its lifetime on the injected clock, then is expired; one of another session is foreign', () => {
    let now = Date.UTC(2026, 0, 1, 9, 0);
    const tokens = new SessionTokens({ ttlMs: 60 * 60_000, now: () => now });
    const { token, expiresAt } = tokens.issue({ name: 'api-key' });
    expect(expiresAt.getTime()).toBe(now + 3_600_000);
    now += 59 * 60_000;
    expect(tokens.find(token)[0]!.target).toEqual({ name: 'api-key' });
    now += 60_000;
    const [expired] = tokens.find(token);
    expect(expired).toEqual({ token, problem: 'expired', expiredAt: expiresAt });
    expect(tokenRefusal(expired!)).toBe(
      `token ${token} expired at 2026-01-01T10:00:00.000Z: ask reference_secret for a new one`,
    );
    const other = new SessionTokens();
    const [foreign] = other.find(token);
    expect(foreign!.problem).toBe('foreign');
    expect(tokenRefusal(foreign!)).toContain(`token ${token} belongs to another session`);
    expect(() => new SessionTokens({ ttlMs: 0 })).toThrow(RangeError);
  });
});

describe('HushMcpServer over an in-memory transport', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
  });

  async function start(approve = approvalFor('never'), extra: Partial<HushMcpServerOptions> = {}) {
    const manager = new SecretManager({ providers: [new MemoryProvider({ name: 'memory' })] });
    await manager.setSecret('db/creds', JSON.stringify({ user: 'app', password: VALUE }));
    const requests: WriteRequest[] = [];
    const server = new HushMcpServer({
      manager,
      ...extra,
      approve: async (request) => {
        requests.push(request);
        return approve(request);
      },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.mcp.connect(serverSide);
    const client = new Client({ name: 'unit-agent', version: '0.0.1' });
    await client.connect(clientSide);
    open.push(client, server, { close: () => manager.dispose() });
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
      expect(JSON.stringify(result)).not.toContain(VALUE);
      return { isError: result.isError === true, text: result.content[0]!.text };
    };
    return { server, call, requests, manager, client };
  }

  it('names the accessor after the client, and substitutes one field of a JSON secret', async () => {
    const { server, call } = await start();
    expect(server.accessor).toBe('mcp:unit-agent');
    const { token } = JSON.parse(
      (await call('reference_secret', { name: 'db/creds', field: 'password' })).text,
    );
    const ran = JSON.parse(
      (
        await call('run_with_secrets', {
          command: [process.execPath, '-e', 'console.log(process.argv[1].length, process.argv[1])', token],
        })
      ).text,
    );
    expect(ran.stdout).toBe(`${VALUE.length} ***\n`);
  });

  it('asks the approval callback before each write, with no value in the request', async () => {
    const { call, requests, manager } = await start(async () => true);
    expect((await call('set_secret', { name: 'svc/key', generate: 'uuid' })).isError).toBe(false);
    expect(requests).toEqual([
      { tool: 'set_secret', name: 'svc/key', client: 'unit-agent', detail: 'a generated value (uuid)' },
    ]);
    expect(JSON.stringify(requests)).not.toContain(VALUE);
    const stored = await manager.getSecret('svc/key', { required: true });
    expect(stored.value).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('set_secret', { name: 'svc/key', generate: 'dice' })).isError).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('refuses a token past its lifetime (the injected clock) and one of another session, naming the token', async () => {
    let now = Date.UTC(2026, 0, 1, 9, 0);
    const { call } = await start(approvalFor('never'), { tokenTtlMs: 10 * 60_000, now: () => now });
    const { token, expiresAt } = JSON.parse((await call('reference_secret', { name: 'db/creds' })).text);
    expect(expiresAt).toBe('2026-01-01T09:10:00.000Z');
    const echo = (t: string) => call('run_with_secrets', { command: [process.execPath, '-e', '1', t] });
    expect((await echo(token)).isError).toBe(false);
    now += 10 * 60_000;
    const expired = await echo(token);
    expect(expired).toEqual({
      isError: true,
      text: `token ${token} expired at 2026-01-01T09:10:00.000Z: ask reference_secret for a new one`,
    });
    const other = await start();
    const foreign = await other.call('run_with_secrets', { command: ['echo', token] });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain(`token ${token} belongs to another session`);
  });

  it('tokens end with the session: after the client closes, none resolves', async () => {
    const { server, call, client } = await start();
    const { token } = JSON.parse((await call('reference_secret', { name: 'db/creds' })).text);
    expect(server.tokens.find(token)[0]!.target).toEqual({ name: 'db/creds' });
    await client.close();
    expect(server.tokens.find(token)).toEqual([{ token, problem: 'ended' }]);
  });

  it("'prompt' without a terminal to ask on refuses", async () => {
    const ask = approvalFor('prompt', '/nonexistent/tty');
    expect(await ask({ tool: 'set_secret', name: 'x', client: 'c', detail: 'd' })).toBe(false);
  });
});
