import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const VALUE = plant('mcp-planted-Value-8c41e7');
const API_KEY = plant('mcp-planted-api-key-29ab');
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `hush mcp` driven by the MCP SDK's own client over stdio, as an AI agent's host runs it. */
describe('hush mcp', () => {
  const { dir, run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '    defaultWriteProvider: local',
      'audit:',
      '  enabled: true',
      '',
    ].join('\n'),
  });
  const env = { HUSH_MASTER_KEY: MASTER_KEY };
  const clients: Client[] = [];
  const seen: string[] = [];
  let stderr = '';

  async function connect(...args: string[]): Promise<Client> {
    if (clients.length === 0) {
      for (const [name, value] of [
        ['db/password', VALUE],
        ['api-key', API_KEY],
      ] as const)
        expect((await run(['set', name, '--tag', 'team=core'], { env, input: value })).code).toBe(0);
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', ...args],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ...env },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  /** Calls a tool and keeps the whole result, to look for values in it later. */
  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    const result = (await client.callTool({ name, arguments: args })) as {
      isError?: boolean;
      content: Array<{ type: string; text: string }>;
    };
    seen.push(JSON.stringify(result));
    const body = result.content[0]!.text;
    let parsed: any = body;
    try {
      parsed = JSON.parse(body);
    } catch {
      // a plain message
    }
    return { isError: result.isError === true, text: body, data: parsed };
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });
  afterAll(() => {
    for (const text of [...seen, stderr]) {
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(API_KEY);
    }
  });

  it('lists its tools, and secrets as names and metadata only', async () => {
    const client = await connect('--approve-writes', 'never');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'describe_secret',
      'list_secrets',
      'reference_secret',
      'rotate_secret',
      'run_with_secrets',
      'set_secret',
    ]);
    const listed = await call(client, 'list_secrets');
    expect(listed.isError).toBe(false);
    expect(listed.data.map((s: { key: string }) => s.key).sort()).toEqual(['api-key', 'db/password']);
    expect(listed.data[0]).toMatchObject({ tags: { team: 'core' } });
    const described = await call(client, 'describe_secret', { name: 'db/password' });
    expect(described.data).toMatchObject({ key: 'db/password', version: '1' });
    expect(described.data.versions).toHaveLength(1);
    expect((await call(client, 'describe_secret', { name: 'nope' })).isError).toBe(true);
  });

  it('hands out tokens that run_with_secrets replaces by values in arguments and environment, the output masked', async () => {
    const client = await connect('--approve-writes', 'never');
    const db = await call(client, 'reference_secret', { name: 'db/password' });
    const api = await call(client, 'reference_secret', { name: 'api-key' });
    expect(db.data.token).toMatch(/^hush:tok_[a-z2-7]{34}$/);
    expect(Date.parse(db.data.expiresAt) - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(api.data.token).not.toBe(db.data.token);
    const script = [
      "const { createHash } = require('node:crypto');",
      "const h = (s) => createHash('sha256').update(s).digest('hex');",
      'console.log(JSON.stringify({ arg: h(process.argv[1]), env: h(process.env.API_KEY), master: process.env.HUSH_MASTER_KEY ?? null }));',
      'console.log("argument:", process.argv[1]);',
      'console.error("env:", process.env.API_KEY);',
    ].join('\n');
    const ran = await call(client, 'run_with_secrets', {
      command: [process.execPath, '-e', script, db.data.token],
      env: { API_KEY: api.data.token },
    });
    expect(ran.isError, ran.text).toBe(false);
    expect(ran.data.exitCode).toBe(0);
    const [first, second] = ran.data.stdout.trim().split('\n');
    // The child got the values (their digests match) and printed them: the agent sees them masked.
    expect(JSON.parse(first)).toEqual({ arg: sha256(VALUE), env: sha256(API_KEY), master: null });
    expect(second).toBe('argument: ***');
    expect(ran.data.stderr.trim()).toBe('env: ***');

    const made = `hush:tok_${db.data.token.slice(9, 17)}${'a'.repeat(26)}`;
    const forged = await call(client, 'run_with_secrets', { command: ['echo', made] });
    expect(forged.isError).toBe(true);
    expect(forged.text).toBe(`token ${made} was not issued by this session (unknown or forged)`);
    expect((await call(client, 'reference_secret', { name: 'missing' })).isError).toBe(true);
  });

  it('a token means nothing in another session', async () => {
    const first = await connect('--approve-writes', 'never');
    const { data } = await call(first, 'reference_secret', { name: 'db/password' });
    const second = await connect('--approve-writes', 'never');
    const ran = await call(second, 'run_with_secrets', { command: ['echo', data.token] });
    expect(ran.isError).toBe(true);
    expect(ran.text).toContain(`token ${data.token} belongs to another session`);
    // --token-ttl bounds a token's life: it says when it ends, and a bad duration is a usage error.
    const short = await connect('--approve-writes', 'never', '--token-ttl', '5m');
    const issued = await call(short, 'reference_secret', { name: 'api-key' });
    expect(Date.parse(issued.data.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(Date.parse(issued.data.expiresAt) - Date.now()).toBeGreaterThan(60_000);
    expect((await run(['mcp', '--token-ttl', 'soon'], { env })).code).toBe(2);
  });

  it('refuses writes the operator did not approve, and values from the agent', async () => {
    const client = await connect('--approve-writes', 'never');
    const set = await call(client, 'set_secret', { name: 'new/token' });
    expect(set.isError).toBe(true);
    expect(set.text).toContain("the operator did not approve set_secret 'new/token'");
    const rotate = await call(client, 'rotate_secret', { name: 'api-key' });
    expect(rotate.isError).toBe(true);
    const given = await call(client, 'set_secret', {
      name: 'new/token',
      value: plant('agent-typed-value-551'),
    });
    expect(given.isError).toBe(true);
    expect(given.text).toContain('values from the agent are not accepted');
    expect((await run(['get', 'new/token'], { env })).code).toBe(3);
    expect((await run(['get', 'api-key'], { env })).stdout).toBe(`${API_KEY}\n`);
  });

  it('with approval, writes generated values it never shows; every call is audited as mcp:<client>', async () => {
    const client = await connect('--approve-writes', 'always');
    const set = await call(client, 'set_secret', { name: 'new/token', generate: 'random:40' });
    expect(set.isError, set.text).toBe(false);
    expect(set.data.written).toMatchObject({ key: 'new/token', version: '1' });
    const created = (await run(['get', 'new/token'], { env })).stdout.trim();
    plant(created);
    expect(created).toMatch(/^[A-Za-z0-9]{40}$/);
    const rotated = await call(client, 'rotate_secret', { name: 'new/token' });
    expect(rotated.isError, rotated.text).toBe(false);
    const after = (await run(['get', 'new/token'], { env })).stdout.trim();
    plant(after);
    expect(after).not.toBe(created);
    for (const text of seen) {
      expect(text).not.toContain(created);
      expect(text).not.toContain(after);
    }

    const audit = await run(['audit', '--accessor', 'mcp:test-agent', '--json', '--limit', '500'], { env });
    expect(audit.code, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as Array<{
      operation: string;
      secretName?: string;
      accessor: string;
    }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.accessor))).toEqual(new Set(['mcp:test-agent']));
    const operations = new Set(rows.map((r) => r.operation));
    for (const op of ['list', 'get', 'set', 'rotate']) expect(operations).toContain(op);
    for (const value of [VALUE, API_KEY, created, after]) expect(audit.stdout).not.toContain(value);
  });
});
