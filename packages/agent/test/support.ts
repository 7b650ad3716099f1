import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheOptions, SecretManager } from '@hush/core';
import { AgentProvider } from '@hush/provider-agent';
import { MemoryProvider } from '@hush/testkit';
import { afterAll } from 'vitest';
import { type Agent, type AgentOptions, startAgent } from '../src/index.js';

const folders: string[] = [];
const agents: Agent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A folder of its own for each agent's socket (created 0700 by the agent itself). */
export function socketFolder(): string {
  const base = mkdtempSync(join(tmpdir(), 'hush-agent-test-'));
  folders.push(base);
  return join(base, 'run');
}

/** Log lines of every agent started here: tests look for planted values in them. */
export const logLines: string[] = [];

export interface TestAgent {
  agent: Agent;
  backend: MemoryProvider;
  manager: SecretManager;
  socket: string;
}

/** An agent over a manager on an in-memory backend, on a socket in a fresh folder. */
export async function agentOver(
  secrets: Record<string, string>,
  options: Partial<AgentOptions> & { cache?: CacheOptions; now?: () => number } = {},
): Promise<TestAgent> {
  const backend = new MemoryProvider({ secrets });
  const socket = join(socketFolder(), 'agent.sock');
  let manager!: SecretManager;
  const { cache, now, ...rest } = options;
  const agent = await startAgent({
    load: async () => {
      manager = new SecretManager({
        providers: [backend],
        cache: { refreshAhead: 0.2, ...cache },
        ...(now ? { now } : {}),
      });
      return { manager, environment: 'test' };
    },
    socket,
    log: (line) => logLines.push(line),
    // Polling agents would take turns at the test runner's CPUs: a test asks for it.
    busyPoll: 0,
    ...rest,
  });
  agents.push(agent);
  return { agent, backend, manager, socket };
}

/** An application's manager: the agent first, then its own direct chain. */
export function appManager(socket: string, direct: MemoryProvider, options: { writes?: boolean } = {}) {
  return new SecretManager({
    providers: [new AgentProvider({ socket, timeoutMs: 2_000, ...options }), direct],
  });
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One raw HTTP request to the agent, over its socket or its listener. */
export function call(
  target: { socket: string } | { url: string },
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const where =
      'socket' in target
        ? { socketPath: target.socket }
        : { hostname: new URL(target.url).hostname, port: Number(new URL(target.url).port) };
    const req = request(
      { ...where, path, method: init.method ?? 'GET', headers: init.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
