import {
  extractField,
  generateSecretValue,
  parseGeneratorSpec,
  type SecretInfo,
  type SecretManager,
} from '@hush/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type ApprovalCallback, approvalFor } from './approval.js';
import { runCommand } from './run.js';
import { SessionTokens } from './tokens.js';

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
}

/** The server's name and version as MCP clients see them. */
export const SERVER_INFO = { name: 'hush', version: '0.1.0' };

const text = (value: unknown): CallToolResult => ({
  content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
});

/**
 * An MCP server over a secret manager that never hands a value to the agent: it lists names and
 * metadata, hands out session tokens (`hush:tok_…`) that `run_with_secrets` replaces by values
 * in a command's arguments and environment, masks the command's output, and writes only
 * generated values, each write approved by the operator. Every call reaches the manager as the
 * accessor `mcp:<client name>`, so that the audit log records it.
 */
export class HushMcpServer {
  readonly mcp: McpServer;
  readonly tokens = new SessionTokens();
  readonly #manager: SecretManager;
  readonly #approve: ApprovalCallback;
  readonly #options: HushMcpServerOptions;

  constructor(options: HushMcpServerOptions) {
    this.#options = options;
    this.#manager = options.manager;
    this.#approve = options.approve ?? approvalFor('never');
    this.mcp = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });
    this.#register();
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

  #register(): void {
    const guard =
      <A>(work: (args: A) => Promise<CallToolResult>) =>
      async (args: A): Promise<CallToolResult> => {
        try {
          return await work(args);
        } catch (error) {
          // Errors of the manager carry no value; the masker is a second guard.
          const message = this.#manager.masker.mask(error instanceof Error ? error.message : String(error));
          return { isError: true, content: [{ type: 'text', text: message }] };
        }
      };

    this.mcp.registerTool(
      'list_secrets',
      {
        description: 'List secret names and metadata (tags, versions, dates). Never values.',
        inputSchema: {
          prefix: z.string().optional().describe('only names starting with this'),
          pattern: z.string().optional().describe("a glob such as 'db/*'"),
        },
        annotations: { readOnlyHint: true },
      },
      guard(async ({ prefix, pattern }) => {
        const infos = await this.#manager.listSecrets({
          accessor: this.accessor,
          ...(prefix ? { prefix } : {}),
          ...(pattern ? { pattern } : {}),
        });
        return text(infos.map(describe));
      }),
    );

    this.mcp.registerTool(
      'describe_secret',
      {
        description: "One secret's metadata and versions. Never its value.",
        inputSchema: { name: z.string() },
        annotations: { readOnlyHint: true },
      },
      guard(async ({ name }) => {
        const info = await this.#find(name);
        const versions = await this.#manager
          .getSecretVersions(name, { accessor: this.accessor })
          .catch(() => undefined);
        return text({ ...describe(info), ...(versions ? { versions } : {}) });
      }),
    );

    this.mcp.registerTool(
      'reference_secret',
      {
        description:
          'A token (hush:tok_…) standing for a secret in this session. Put it in the arguments or environment of run_with_secrets; it is replaced by the value there, and means nothing elsewhere.',
        inputSchema: {
          name: z.string(),
          field: z.string().optional().describe('one field of a JSON secret (dot path)'),
        },
        annotations: { readOnlyHint: true },
      },
      guard(async ({ name, field }) => {
        await this.#find(name);
        const token = this.tokens.issue({ name, ...(field ? { field } : {}) });
        return text({ token, name, ...(field ? { field } : {}), expires: 'when this session ends' });
      }),
    );

    this.mcp.registerTool(
      'run_with_secrets',
      {
        description:
          'Run a command (no shell) with tokens in its arguments or environment replaced by the secret values. Its output comes back with every value masked.',
        inputSchema: {
          command: z.array(z.string()).min(1).describe('the program and its arguments'),
          env: z
            .record(z.string(), z.string())
            .optional()
            .describe('variables to add; values may hold tokens'),
          cwd: z.string().optional(),
        },
      },
      guard(async ({ command, env, cwd }) => this.#run(command, env ?? {}, cwd)),
    );

    this.mcp.registerTool(
      'set_secret',
      {
        description:
          'Create or update a secret with a generated value (the operator approves each write). The value is never shown.',
        inputSchema: {
          name: z.string(),
          generate: z.string().optional().describe('random:32 (default), random:24:hex, uuid'),
          value: z.string().optional().describe('only when the operator allows values from the agent'),
          tags: z.record(z.string(), z.string()).optional(),
        },
      },
      guard(async ({ name, generate, value, tags }) => {
        if (value !== undefined && !this.#options.allowAgentValues)
          return refused(
            'values from the agent are not accepted: set_secret writes generated values (the operator may allow values with --allow-agent-values)',
          );
        const spec = generate ?? 'random:32';
        if (value === undefined) parseGeneratorSpec(spec);
        const detail = value === undefined ? `a generated value (${spec})` : 'a value from the agent';
        if (!(await this.#approve({ tool: 'set_secret', name, client: this.clientName, detail })))
          return refused(`the operator did not approve set_secret '${name}'`);
        const info = await this.#manager.setSecret(name, value ?? generateSecretValue(spec), {
          actor: this.accessor,
          ...(tags ? { tags } : {}),
        });
        return text({ written: describe(info) });
      }),
    );

    this.mcp.registerTool(
      'rotate_secret',
      {
        description:
          'Write a new generated value for a secret (the operator approves it). The value is never shown.',
        inputSchema: {
          name: z.string(),
          generate: z.string().optional().describe('random:32 (default), uuid, ...'),
        },
      },
      guard(async ({ name, generate }) => {
        const spec = generate ?? 'random:32';
        parseGeneratorSpec(spec);
        await this.#find(name);
        if (
          !(await this.#approve({
            tool: 'rotate_secret',
            name,
            client: this.clientName,
            detail: `a generated value (${spec})`,
          }))
        )
          return refused(`the operator did not approve rotate_secret '${name}'`);
        const info = await this.#manager.rotateSecret(name, { generator: spec, actor: this.accessor });
        return text({ rotated: describe(info) });
      }),
    );
  }

  /** The listed description of one name (a read of metadata, not of the value). */
  async #find(name: string) {
    const infos = await this.#manager.listSecrets({ prefix: name, accessor: this.accessor });
    const info = infos.find((i) => i.key === name);
    if (!info) throw new Error(`secret '${name}' not found`);
    return info;
  }

  async #run(command: string[], extra: Record<string, string>, cwd?: string): Promise<CallToolResult> {
    const everything = [...command, ...Object.values(extra)].join('\n');
    const found = this.tokens.find(everything);
    const unknown = found.filter((f) => !f.target).map((f) => f.token);
    if (unknown.length)
      return refused(`unknown or expired token${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    const values = new Map<string, string>();
    const revealed: string[] = [];
    for (const { token, target } of found) {
      const secret = await this.#manager.getSecret(target!.name, { accessor: this.accessor, required: true });
      const value = target!.field ? extractField(secret.value, target!.field) : secret.value;
      if (value === undefined) return refused(`secret '${target!.name}' has no field '${target!.field}'`);
      values.set(token, value);
      revealed.push(value, secret.value);
    }
    const put = (s: string) => this.tokens.replace(s, (token) => values.get(token) ?? token);
    const base = this.#options.env ?? process.env;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'HUSH_MASTER_KEY') env[k] = v;
    for (const [k, v] of Object.entries(extra)) env[k] = put(v);
    const result = await runCommand({
      command: command.map(put),
      env,
      ...(cwd ? { cwd } : {}),
      timeoutMs: this.#options.runTimeoutMs ?? 60_000,
      maxOutputBytes: this.#options.maxOutputBytes ?? 1024 * 1024,
    });
    const mask = (output: string) => maskValues(this.#manager.masker.mask(output), revealed);
    return text({
      exitCode: result.exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      ...(result.timedOut ? { timedOut: true } : {}),
      ...(result.truncated ? { truncated: true } : {}),
      stdout: mask(result.stdout),
      stderr: mask(result.stderr),
    });
  }
}

/** Every value replaced, longest first (the manager's masker may not hold a short one). */
function maskValues(output: string, values: string[]): string {
  let masked = output;
  for (const value of [...new Set(values)].filter(Boolean).sort((a, b) => b.length - a.length))
    masked = masked.split(value).join('***');
  return masked;
}

function refused(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** What the agent may see of a secret: no value (SecretInfo has none; the copy makes sure). */
function describe(info: SecretInfo): Record<string, unknown> {
  const { value: _never, ...rest } = info as unknown as Record<string, unknown>;
  return rest;
}
