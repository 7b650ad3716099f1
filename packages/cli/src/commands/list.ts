import type { Cli } from '../context.js';
import { writeTable } from '../table.js';
import { isoOrEmpty, parseKeyValues } from '../util.js';

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
  writeTable(cli, ['NAME', 'VERSION', 'UPDATED', 'EXPIRES', 'PROVIDER', 'TAGS'], secrets, (s) => [
    s.key,
    s.version,
    isoOrEmpty(s.updatedAt),
    isoOrEmpty(s.expiresAt),
    s.provider,
    tagsCell(s.tags),
  ]);
}

/** `a=b,c=d`; most secrets have no tags, and then nothing is allocated. */
function tagsCell(tags: Record<string, string>): string {
  let cell = '';
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    cell += cell ? `,${key}=${tags[key]}` : `${key}=${tags[key]}`;
  }
  return cell;
}
