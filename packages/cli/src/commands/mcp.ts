import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { importOptional } from '../resolve.js';

export interface McpCommandOptions {
  approveWrites?: string;
  allowAgentValues?: boolean;
  tokenTtl?: string;
}

const MODES = ['never', 'prompt', 'always'] as const;

/**
 * `hush mcp`: an MCP server on stdin and stdout for an AI agent, over the configured manager
 * (audit and access control included): tokens, never values. Ends when the client closes.
 */
export default async function mcp(cli: Cli, _args: unknown[], options: McpCommandOptions): Promise<void> {
  const mode = (options.approveWrites ?? 'prompt') as (typeof MODES)[number];
  if (!MODES.includes(mode))
    throw new UsageError(
      `--approve-writes must be one of ${MODES.join(', ')} (got '${options.approveWrites}')`,
    );
  const tokenTtlMs =
    options.tokenTtl !== undefined ? (await import('@hush/core')).parseDuration(options.tokenTtl) : undefined;
  if (tokenTtlMs !== undefined && tokenTtlMs < 1000)
    throw new UsageError(`--token-ttl '${options.tokenTtl}' is shorter than a second`);
  const settings = await cli.settings();
  const mod = await importOptional<typeof import('@hush/mcp')>(
    '@hush/mcp',
    settings.config.root,
    '`hush mcp` serves AI agents',
  );
  const manager = await cli.manager();
  await mod.serveStdio({
    manager,
    approve: mod.approvalFor(mode),
    allowAgentValues: options.allowAgentValues === true,
    ...(tokenTtlMs !== undefined ? { tokenTtlMs } : {}),
  });
}
