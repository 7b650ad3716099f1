import {
  extractField,
  generateSecretValue,
  parseGeneratorSpec,
  type SecretInfo,
  type SecretManager,
} from '@hush/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApprovalCallback, WriteRequest } from './approval.js';
import { runCommand } from './run.js';
import { type SessionTokens, tokenRefusal } from './tokens.js';

/** What the tools of one session work with. */
export interface ToolContext {
  readonly manager: SecretManager;
  /** `mcp:<client name>`, as every call reaches the manager. */
  readonly accessor: string;
  readonly clientName: string;
  readonly tokens: SessionTokens;
  readonly approve: ApprovalCallback;
  readonly allowAgentValues: boolean;
  /** Environment commands start with (tokens added), `HUSH_MASTER_KEY` left out. */
  readonly env: Record<string, string | undefined>;
  readonly runTimeoutMs: number;
  readonly maxOutputBytes: number;
}

/** Wraps a tool's work: an error becomes a tool error, its message masked. */
type Guard = <A>(
  work: (args: A, signal: AbortSignal) => Promise<CallToolResult>,
) => (args: A, extra: { signal: AbortSignal }) => Promise<CallToolResult>;

/** Registers one tool on the server. */
export type ToolRegistration = (mcp: McpServer, context: ToolContext, guard: Guard) => void;

const text = (value: unknown): CallToolResult => ({
  content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
});

export function refused(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** What the agent may see of a secret: no value (SecretInfo has none; the copy makes sure). */
function describe(info: SecretInfo): Record<string, unknown> {
  const { value: _never, ...rest } = info as unknown as Record<string, unknown>;
  return rest;
}

/** The listed description of one name (a read of metadata, not of the value). */
async function find(context: ToolContext, name: string): Promise<SecretInfo> {
  const infos = await context.manager.listSecrets({ prefix: name, accessor: context.accessor });
  const info = infos.find((i) => i.key === name);
  if (!info) throw new Error(`secret '${name}' not found`);
  return info;
}

/** Asks the approval callback; the request carries the name and how the value is made, never a value. */
function approved(
  context: ToolContext,
  request: Omit<WriteRequest, 'client'>,
  signal: AbortSignal,
): Promise<boolean> {
  return context.approve({ ...request, client: context.clientName }, { signal });
}

const listSecrets: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
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
      const infos = await context.manager.listSecrets({
        accessor: context.accessor,
        ...(prefix ? { prefix } : {}),
        ...(pattern ? { pattern } : {}),
      });
      return text(infos.map(describe));
    }),
  );

const describeSecret: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
    'describe_secret',
    {
      description: "One secret's metadata and versions. Never its value.",
      inputSchema: { name: z.string() },
      annotations: { readOnlyHint: true },
    },
    guard(async ({ name }) => {
      const info = await find(context, name);
      const versions = await context.manager
        .getSecretVersions(name, { accessor: context.accessor })
        .catch(() => undefined);
      return text({ ...describe(info), ...(versions ? { versions } : {}) });
    }),
  );

const referenceSecret: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
    'reference_secret',
    {
      description:
        'A token (hush:tok_…) standing for a secret in this session, until it expires. Put it in the arguments or environment of run_with_secrets; it is replaced by the value there, and means nothing elsewhere.',
      inputSchema: {
        name: z.string(),
        field: z.string().optional().describe('one field of a JSON secret (dot path)'),
      },
      annotations: { readOnlyHint: true },
    },
    guard(async ({ name, field }) => {
      await find(context, name);
      const { token, expiresAt } = context.tokens.issue({ name, ...(field ? { field } : {}) });
      return text({
        token,
        name,
        ...(field ? { field } : {}),
        expiresAt: expiresAt.toISOString(),
        expires: 'at expiresAt, or when this session ends if sooner',
      });
    }),
  );

const runWithSecrets: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
    'run_with_secrets',
    {
      description:
        'Run a command (no shell) with tokens in its arguments or environment replaced by the secret values. Its output comes back with every value masked.',
      inputSchema: {
        command: z.array(z.string()).min(1).describe('the program and its arguments'),
        env: z.record(z.string(), z.string()).optional().describe('variables to add; values may hold tokens'),
        cwd: z.string().optional(),
      },
    },
    guard(async ({ command, env, cwd }) => runWithTokens(context, command, env ?? {}, cwd)),
  );

const setSecret: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
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
    guard(async ({ name, generate, value, tags }, signal) => {
      if (value !== undefined && !context.allowAgentValues)
        return refused(
          'values from the agent are not accepted: set_secret writes generated values (the operator may allow values with --allow-agent-values)',
        );
      const spec = generate ?? 'random:32';
      if (value === undefined) parseGeneratorSpec(spec);
      const detail = value === undefined ? `a generated value (${spec})` : 'a value from the agent';
      if (!(await approved(context, { tool: 'set_secret', name, detail }, signal)))
        return refused(`the operator did not approve set_secret '${name}'`);
      const info = await context.manager.setSecret(name, value ?? generateSecretValue(spec), {
        actor: context.accessor,
        ...(tags ? { tags } : {}),
      });
      return text({ written: describe(info) });
    }),
  );

const rotateSecret: ToolRegistration = (mcp, context, guard) =>
  mcp.registerTool(
    'rotate_secret',
    {
      description:
        'Write a new generated value for a secret (the operator approves it). The value is never shown.',
      inputSchema: {
        name: z.string(),
        generate: z.string().optional().describe('random:32 (default), uuid, ...'),
      },
    },
    guard(async ({ name, generate }, signal) => {
      const spec = generate ?? 'random:32';
      parseGeneratorSpec(spec);
      await find(context, name);
      const detail = `a generated value (${spec})`;
      if (!(await approved(context, { tool: 'rotate_secret', name, detail }, signal)))
        return refused(`the operator did not approve rotate_secret '${name}'`);
      const info = await context.manager.rotateSecret(name, { generator: spec, actor: context.accessor });
      return text({ rotated: describe(info) });
    }),
  );

/** Every tool of the server, one registration each. */
export const TOOLS: readonly ToolRegistration[] = [
  listSecrets,
  describeSecret,
  referenceSecret,
  runWithSecrets,
  setSecret,
  rotateSecret,
];

/**
 * Runs a command with its tokens replaced by values. Every token must resolve (issued by this
 * session, not expired) or nothing runs; the output comes back with each value masked.
 */
async function runWithTokens(
  context: ToolContext,
  command: string[],
  extra: Record<string, string>,
  cwd?: string,
): Promise<CallToolResult> {
  const found = context.tokens.find([...command, ...Object.values(extra)].join('\n'));
  const unusable = found.filter((f) => !f.target);
  if (unusable.length) return refused(unusable.map(tokenRefusal).join('\n'));
  const values = new Map<string, string>();
  const revealed: string[] = [];
  for (const { token, target } of found) {
    const secret = await context.manager.getSecret(target!.name, {
      accessor: context.accessor,
      required: true,
    });
    const value = target!.field ? extractField(secret.value, target!.field) : secret.value;
    if (value === undefined) return refused(`secret '${target!.name}' has no field '${target!.field}'`);
    values.set(token, value);
    revealed.push(value, secret.value);
  }
  const put = (s: string) => context.tokens.replace(s, (token) => values.get(token) ?? token);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(context.env))
    if (v !== undefined && k !== 'HUSH_MASTER_KEY') env[k] = v;
  for (const [k, v] of Object.entries(extra)) env[k] = put(v);
  const result = await runCommand({
    command: command.map(put),
    env,
    ...(cwd ? { cwd } : {}),
    timeoutMs: context.runTimeoutMs,
    maxOutputBytes: context.maxOutputBytes,
  });
  const mask = (output: string) => maskValues(context.manager.masker.mask(output), revealed);
  return text({
    exitCode: result.exitCode,
    ...(result.signal ? { signal: result.signal } : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
    ...(result.truncated ? { truncated: true } : {}),
    stdout: mask(result.stdout),
    stderr: mask(result.stderr),
  });
}

/** Every value replaced, longest first (the manager's masker may not hold a short one). */
function maskValues(output: string, values: string[]): string {
  let masked = output;
  for (const value of [...new Set(values)].filter(Boolean).sort((a, b) => b.length - a.length))
    masked = masked.split(value).join('***');
  return masked;
}
