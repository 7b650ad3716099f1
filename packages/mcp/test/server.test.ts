import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalFor, HushMcpServer, type WriteRequest } from '../src/index.js';
import { SessionTokens } from '../src/tokens.js';

const VALUE = 'mcp-unit-planted-value-3e9a';

describe('SessionTokens', () => {
  it('issues unrelated tokens, finds them in text (unknown ones too), and forgets them all at the end', () => {
    const tokens = new SessionTokens();
    const a = tokens.issue({ name: 'db/password' });
    const b = tokens.issue({ name: 'db/password' });
    expect(a).not.toBe(b);
    const forged = 'hush:tok_aaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(tokens.find(`x ${a} y ${a} ${forged}`)).toEqual([
      { token: a, target: { name: 'db/password' } },
      { token: forged },
    ]);
    expect(tokens.replace(`--password=${a}`, () => 'V')).toBe('--password=V');
    tokens.close();
    expect(tokens.find(a)).toEqual([{ token: a }]);
    expect(() => tokens.issue({ name: 'x' })).toThrow('the session has ended');
  });
});

describe('HushMcpServer over an in-memory transport', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
  });

  async function start(approve = approvalFor('never')) {
    const manager = new SecretManager({ providers: [new MemoryProvider({ name: 'memory' })] });
    await manager.setSecret('db/creds', JSON.stringify({ user: 'app', password: VALUE }));
    const requests: WriteRequest[] = [];
    const server = new HushMcpServer({
      manager,
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
    return { server, call, requests, manager };
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
    const stored = await manager.getSecret('svc/key', { required: true });
    expect(stored.value).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('set_secret', { name: 'svc/key', generate: 'dice' })).isError).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it("'prompt' without a terminal to ask on refuses", async () => {
    const ask = approvalFor('prompt', '/nonexistent/tty');
    expect(await ask({ tool: 'set_secret', name: 'x', client: 'c', detail: 'd' })).toBe(false);
  });
});
