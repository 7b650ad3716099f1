import type { Cli } from '../context.js';
import { writeListTable } from '../list-table.js';
import { parseKeyValues } from '../util.js';

interface ListOptions {
  pattern?: string;
  prefix?: string;
  tag?: string[];
  provider?: string;
  expiring?: string;
  includeExpired?: boolean;
  scope?: string;
}

/** Names and metadata, never values: a table (or JSON with --json). */
export default async function list(cli: Cli, _args: unknown[], options: ListOptions): Promise<void> {
  const core = await import('@hush/core');
  const tags = parseKeyValues(options.tag, '--tag');
  const within = options.expiring !== undefined ? core.parseDuration(options.expiring) : undefined;
  await cli.checkProvider(options.provider);
  const manager = await cli.manager();
  let secrets = await manager.listSecrets({
    ...(options.pattern ? { pattern: options.pattern } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(tags ? { tags } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    includeExpired: options.includeExpired === true,
    accessor: cli.accessor,
  });
  if (within !== undefined) {
    const limit = Date.now() + within;
    secrets = secrets.filter((s) => s.expiresAt !== undefined && s.expiresAt.getTime() <= limit);
  }
  if (cli.options.json) {
    cli.printJson(secrets);
    return;
  }
  if (secrets.length === 0) {
    cli.note('no secrets');
    return;
  }
  writeListTable(cli, secrets);
}
