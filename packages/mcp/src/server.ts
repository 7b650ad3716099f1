import type { SecretManager } from '@hush/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type ApprovalCallback, approvalFor } from './approval.js';
import { DEFAULT_TOKEN_TTL_MS, SessionTokens } from './tokens.js';
import { TOOLS, type ToolContext } from './tools.js';

export interface HushMcpServerOptions {
  /** The manager the tools act through (with audit and access control plugged in). */
  manager: SecretManager;
  /** Asked before every write; default: refuse every write. */
  approve?: ApprovalCallback;
  /** Let `set_secret` take a value from the agent's text. Default false: generated values only. */
  allowAgentValues?: boolean;
  /** Environment `run_with_secrets` starts commands with, tokens added (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Longest a command may run. Default 60 s. */
  runTimeoutMs?: number;
  /** Most output kept from a command, stdout and stderr together. Default 1 MiB. */
  maxOutputBytes?: number;
  /** How long a token resolves after `reference_secret` issues it, in ms. Default one hour. */
  tokenTtlMs?: number;
  /** The clock tokens expire by, in epoch ms (default `Date.now`); for tests. */
  now?: () => number;
}

/** The server's name and version as MCP clients see them. */
export const SERVER_INFO = { name: 'hush', version: '0.1.0' };

/**
 * An MCP server over a secret manager that never hands a value to the agent: it lists names and
 * metadata, hands out session tokens (`hush:tok_…`) that `run_with_secrets` replaces by values
 * in a command's arguments and environment, masks the command's output, and writes only
 * generated values, each write approved by the operator. Tokens expire after `tokenTtlMs` and
 * with the session. Every call reaches the manager as the accessor `mcp:<client name>`, so that
 * the audit log records it.
 */
export class HushMcpServer {
  readonly mcp: McpServer;
  readonly tokens: SessionTokens;
  readonly #manager: SecretManager;

  constructor(options: HushMcpServerOptions) {
    this.#manager = options.manager;
    this.tokens = new SessionTokens({
      ttlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      ...(options.now ? { now: options.now } : {}),
    });
    this.mcp = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });
    const context = this.#context(options);
    for (const register of TOOLS) register(this.mcp, context, this.#guard);
    this.mcp.server.onclose = () => this.tokens.close();
  }

  /** The accessor of this session's calls: `mcp:` and the client's own name. */
  get accessor(): string {
    return `mcp:${this.clientName}`;
  }

  get clientName(): string {
    return this.mcp.server.getClientVersion()?.name ?? 'unknown';
  }

  async close(): Promise<void> {
    this.tokens.close();
    await this.mcp.close();
  }

  #context(options: HushMcpServerOptions): ToolContext {
    const server = this;
    return {
      manager: options.manager,
      get accessor() {
        return server.accessor;
      },
      get clientName() {
        return server.clientName;
      },
      tokens: this.tokens,
      approve: options.approve ?? approvalFor('never'),
      allowAgentValues: options.allowAgentValues === true,
      env: options.env ?? process.env,
      runTimeoutMs: options.runTimeoutMs ?? 60_000,
      maxOutputBytes: options.maxOutputBytes ?? 1024 * 1024,
    };
  }

  /** A tool's work with its errors turned into tool errors; the manager's errors carry no value, the masker is a second guard. */
  readonly #guard =
    <A>(work: (args: A, signal: AbortSignal) => Promise<CallToolResult>) =>
    async (args: A, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
      try {
        return await work(args, extra.signal);
      } catch (error) {
        const message = this.#manager.masker.mask(error instanceof Error ? error.message : String(error));
        return { isError: true, content: [{ type: 'text', text: message }] };
      }
    };
}
