import type { Cli } from '../context.js';
import { EXIT } from '../errors.js';
import { formatTable } from '../util.js';

/** Exit 5 when every provider of the chain is down (status unhealthy); with --strict, when any one is. */
export default async function health(
  cli: Cli,
  _args: unknown[],
  options: { strict?: boolean } = {},
): Promise<void> {
  const manager = await cli.manager();
  const report = await manager.healthCheck();
  if (cli.options.json) cli.printJson(report);
  else {
    const paint = (status: string) =>
      status === 'healthy'
        ? cli.colors.green(status)
        : status === 'degraded'
          ? cli.colors.yellow(status)
          : cli.colors.red(status);
    const rows = report.providers.map((p) => [
      p.name,
      p.kind,
      paint(p.status),
      `${p.latencyMs.toFixed(1)} ms`,
      cli.mask(p.message ?? ''),
    ]);
    cli.print(formatTable(cli, ['PROVIDER', 'KIND', 'STATUS', 'LATENCY', 'MESSAGE'], rows));
    cli.print(`overall: ${paint(report.status)}`);
  }
  if (report.status === 'unhealthy' || (options.strict && report.status !== 'healthy'))
    process.exitCode = EXIT.unavailable;
}
