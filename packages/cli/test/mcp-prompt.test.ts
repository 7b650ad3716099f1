import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as pty from '@lydell/node-pty';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const VALUE = plant('mcp-prompt-planted-Value-61d');
const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
const hasSetsid = spawnSync('setsid', ['--version']).status === 0;
if (!hasSetsid)
  console.log('skipped: the no-terminal case needs util-linux `setsid` to start hush without one');

/**
 * The MCP client's side of a stream socket: newline-delimited JSON-RPC, as the stdio transport
 * frames it. The server still speaks over its own stdin and stdout (a relay joins them to the
 * socket), so that its controlling terminal can be a pseudo-terminal of the test's own.
 */
class SocketClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #buffer = new ReadBuffer();
  constructor(private readonly socket: Socket) {}
  async start(): Promise<void> {
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffer.append(chunk);
      for (let message = this.#buffer.readMessage(); message; message = this.#buffer.readMessage())
        this.onmessage?.(message);
    });
    this.socket.on('error', (error) => this.onerror?.(error));
    this.socket.on('close', () => this.onclose?.());
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.socket.write(serializeMessage(message));
  }
  async close(): Promise<void> {
    this.socket.end();
  }
}

/**
 * Starts `node relay SOCKET hush mcp ...` on a pseudo-terminal (node-pty): the relay is the
 * session's leader, so the terminal is the controlling one of hush too, whose stdin and stdout
 * the relay joins to the test's socket. What hush asks on `/dev/tty` shows on the terminal.
 */
const RELAY = [
  "const net = require('node:net');",
  "const { spawn } = require('node:child_process');",
  'const [socket, ...command] = process.argv.slice(1);',
  "const child = spawn(process.execPath, command, { stdio: ['pipe', 'pipe', 'inherit'] });",
  'const conn = net.connect(socket);',
  'conn.pipe(child.stdin);',
  'child.stdout.pipe(conn);',
  "conn.on('end', () => child.stdin.end());",
  "child.on('exit', (code) => { conn.end(); process.exitCode = code ?? 1; });",
].join('\n');

describe('hush mcp --approve-writes=prompt (the default) on a real terminal', () => {
  const { dir, run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: local',
      '    defaultWriteProvider: local',
      '',
    ].join('\n'),
  });
  const env = { HUSH_MASTER_KEY: MASTER_KEY };
  const open: Array<() => Promise<void> | void> = [];
  let socketCount = 0;
  let terminalText = '';

  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  afterAll(() => {
    expect(terminalText).not.toContain(VALUE);
  });

  /** hush mcp (no --approve-writes: the default) on a terminal; the client over the relay. */
  async function onTerminal() {
    const socketPath = join(dir, `mcp-${++socketCount}.sock`);
    const server: Server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    open.push(() => {
      server.close();
      rmSync(socketPath, { force: true });
    });
    const term = pty.spawn(process.execPath, ['-e', RELAY, socketPath, BIN, 'mcp'], {
      name: 'xterm',
      cols: 200,
      rows: 30,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm', NO_COLOR: '1', ...env },
    });
    let output = '';
    const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
    term.onData((data) => {
      output += data;
      terminalText += data;
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(output)) waiter.resolve();
        else waiters.push(waiter);
      }
    });
    const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
    const client = new Client({ name: 'tty-agent', version: '1.0.0' });
    await client.connect(new SocketClientTransport(await accepted));
    open.push(async () => {
      await client.close();
      const killer = setTimeout(() => term.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    });
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        if (pattern.test(output)) resolve();
        else waiters.push({ pattern, resolve });
      });
    return { client, term, waitFor, output: () => output };
  }

  const setSecret = (client: Client, name: string) =>
    client.callTool({ name: 'set_secret', arguments: { name, generate: 'random:24' } }) as Promise<{
      isError?: boolean;
      content: Array<{ text: string }>;
    }>;

  it('asks on the terminal; the operator answering yes lets the write through', async () => {
    const { client, term, waitFor } = await onTerminal();
    const pending = setSecret(client, 'tty/approved');
    await waitFor(
      /tty-agent asks to set 'tty\/approved' with a generated value \(random:24\)\. Allow\? \[y\/N\]/,
    );
    term.write('y\r');
    const result = await pending;
    expect(result.isError, result.content[0]?.text).not.toBe(true);
    const stored = await run(['get', 'tty/approved'], { env });
    expect(stored.code).toBe(0);
    expect(stored.stdout.trim()).toMatch(/^[A-Za-z0-9]{24}$/);
    plant(stored.stdout.trim());
    expect(JSON.stringify(result)).not.toContain(stored.stdout.trim());
  });

  it('an operator answering no, or ending the input (Ctrl-D), refuses the write', async () => {
    const { client, term, waitFor, output } = await onTerminal();
    const declined = setSecret(client, 'tty/declined');
    await waitFor(/set 'tty\/declined'.*Allow\? \[y\/N\]/);
    term.write('n\r');
    const no = await declined;
    expect(no.isError).toBe(true);
    expect(no.content[0]!.text).toBe("the operator did not approve set_secret 'tty/declined'");

    const ended = setSecret(client, 'tty/eof');
    await waitFor(/set 'tty\/eof'.*Allow\? \[y\/N\]/);
    term.write('\u0004');
    const eof = await ended;
    expect(eof.isError, output()).toBe(true);
    expect(eof.content[0]!.text).toBe("the operator did not approve set_secret 'tty/eof'");
    for (const name of ['tty/declined', 'tty/eof']) expect((await run(['get', name], { env })).code).toBe(3);
  });

  it.skipIf(!hasSetsid)(
    'with no terminal at all, prompt mode refuses at once rather than hangs',
    async () => {
      // setsid: a session of its own, with no controlling terminal (whatever runs the tests has).
      const transport = new StdioClientTransport({
        command: 'setsid',
        args: [process.execPath, BIN, 'mcp', '--approve-writes', 'prompt'],
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ...env },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'headless-agent', version: '1.0.0' });
      await client.connect(transport);
      open.push(() => client.close());
      const result = await setSecret(client, 'tty/headless');
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toBe("the operator did not approve set_secret 'tty/headless'");
      expect((await run(['get', 'tty/headless'], { env })).code).toBe(3);
    },
  );
});
