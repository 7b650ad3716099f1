import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, isoOrEmpty } from '../util.js';

interface AuditOptions {
  accessor?: string;
  failedOnly?: boolean;
  since?: string;
  limit: string;
}

export default async function audit(
  cli: Cli,
  [name]: [string | undefined],
  options: AuditOptions,
): Promise<void> {
  const core = await import('@hush/core');
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit expects a positive integer, got '${options.limit}'`);
  if (options.since !== undefined) core.parseDuration(options.since);
  const log = await cli.auditLog();
  const all = await log.entries({
    ...(name ? { secret: name } : {}),
    ...(options.accessor ? { accessor: options.accessor } : {}),
    ...(options.failedOnly ? { failedOnly: true } : {}),
    ...(options.since ? { since: options.since } : {}),
    limit,
  });
  // With access control, each caller sees the entries of what it may read, and its own; an
  // `audit` (or admin) grant on everything shows them all.
  const entries = (await cli.settings()).accessControl
    ? await (await cli.accessControl()).filterAuditEntries(all, cli.accessor)
    : all;
  if (cli.options.json) {
    cli.printJson(entries);
    return;
  }
  if (entries.length === 0) {
    cli.note('no audit entries');
    return;
  }
  const paint = (outcome: string) =>
    outcome === 'success'
      ? cli.colors.green(outcome)
      : outcome === 'not_found'
        ? cli.colors.yellow(outcome)
        : cli.colors.red(outcome);
  const rows = entries.map((e) => [
    isoOrEmpty(e.timestamp),
    e.operation,
    e.secretName ?? e.pattern ?? '',
    e.accessor ?? '',
    e.provider ?? '',
    paint(e.outcome),
    e.errorCode ?? '',
    `${e.durationMs.toFixed(1)} ms`,
  ]);
  cli.print(
    formatTable(
      cli,
      ['TIME', 'OPERATION', 'SECRET', 'ACCESSOR', 'PROVIDER', 'OUTCOME', 'ERROR', 'DURATION'],
      rows,
    ),
  );
}
