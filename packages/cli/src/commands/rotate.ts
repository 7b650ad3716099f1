import type { RotationReport } from '@hush/core';
import type { Cli } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { checkFailedBursts, notifierOf, send } from '../notices.js';
import { readValueFromStdin } from '../util.js';

interface RotateOptions {
  generate?: string;
  valueStdin?: boolean;
  expireOld?: boolean;
  expires?: string;
  due?: boolean;
  dryRun?: boolean;
  watch?: boolean;
  interval?: string;
  keepPrevious?: string;
  provider?: string;
  scope?: string;
}

/** One secret, or with --due every secret whose `rotation` tag period has passed since its update. */
export default async function rotate(
  cli: Cli,
  [name]: [string | undefined],
  options: RotateOptions,
): Promise<void> {
  const core = await import('@hush/core');
  await cli.checkProvider(options.provider);
  if (options.generate) core.parseGeneratorSpec(options.generate);
  if (options.expires !== undefined) core.parseExpiry(options.expires);
  if (options.interval !== undefined && !options.watch) throw new UsageError('--interval goes with --watch');
  if (options.due) {
    if (name) throw new UsageError('give a name or --due, not both');
    if (options.valueStdin)
      throw new UsageError('--value-stdin rotates one secret: it cannot be used with --due');
    return rotateDue(cli, options);
  }
  if (!name)
    throw new UsageError(
      "missing secret name (or --due to rotate every secret whose 'rotation' period has passed)",
    );
  if (options.dryRun) throw new UsageError('--dry-run goes with --due');
  if (options.watch) throw new UsageError('--watch goes with --due');
  (core.validateSecretName as (name: unknown) => void)(name);
  const newValue = options.valueStdin ? await readValueFromStdin() : undefined;
  if (newValue === '') throw new UsageError('no value on stdin');
  const manager = await cli.manager();
  const info = await manager.rotateSecret(name, {
    ...(newValue !== undefined ? { newValue } : { generator: options.generate ?? 'random:32' }),
    ...(options.expireOld ? { expireOldVersion: true } : {}),
    ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
    ...(options.keepPrevious !== undefined ? { keepPrevious: options.keepPrevious } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    actor: cli.accessor,
  });
  if (cli.options.json) cli.printJson(info);
  else
    cli.note(
      `${cli.colors.green('✓')} rotated ${name}: now version ${info.version}${options.expireOld ? ' (older versions expired)' : ''}${options.keepPrevious ? ` (the previous one readable for ${options.keepPrevious})` : ''}`,
    );
}

async function rotateDue(cli: Cli, options: RotateOptions): Promise<void> {
  const core = await import('@hush/core');
  const manager = await cli.manager();
  const { config, environmentName } = await cli.settings();
  const notifier = await notifierOf(cli);
  const bursts = new Set<string>();
  const alerts = async () => {
    if (notifier) await checkFailedBursts(cli, notifier, bursts);
  };
  // The rotation periods the configuration's schema: declares, for this environment.
  const { parseSchema, rulesFor } = await import('../schema.js');
  const schema = Object.fromEntries(
    rulesFor(await parseSchema(config), environmentName)
      .filter((declared) => declared.rotation !== undefined)
      .map((declared) => [declared.name, { rotation: declared.rotation! }]),
  );
  const rotator = new core.SecretRotator(manager, {
    ...(notifier ? { onNotice: async (notice) => void (await send(cli, notifier, notice)) } : {}),
    schema,
    ...(config.rotation?.defaultPeriod !== undefined ? { defaultPeriod: config.rotation.defaultPeriod } : {}),
    ...(config.rotation?.notifyBefore !== undefined ? { notifyBefore: config.rotation.notifyBefore } : {}),
    ...(options.generate ? { generator: options.generate } : {}),
    ...(options.keepPrevious !== undefined ? { keepPrevious: options.keepPrevious } : {}),
    ...(options.expireOld ? { expireOldVersion: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    actor: cli.accessor,
    environment: environmentName,
  });
  if (!options.watch) {
    const report = await rotator.check();
    printReport(cli, report, options.dryRun === true);
    await alerts();
    const missed = report.results.filter((r) => r.status === 'failed' || r.status === 'skipped');
    if (missed.length)
      throw new CliError(
        `${missed.length} due secret${missed.length === 1 ? '' : 's'} not rotated: ${missed.map((r) => r.key).join(', ')}`,
      );
    return;
  }
  const interval = options.interval ?? '1h';
  core.parseDuration(interval);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  cli.note(`checking every ${interval} (stop with Ctrl-C or SIGTERM)`);
  try {
    await rotator.watch({
      interval,
      signal: stop.signal,
      onReport: async (report) => {
        printReport(cli, report, options.dryRun === true);
        await alerts();
      },
      onError: (error) => cli.warn(`the check failed: ${(error as Error).message}`),
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

function printReport(cli: Cli, report: RotationReport, dryRun: boolean): void {
  if (cli.options.json) {
    const rotated = report.results.filter((r) => r.status === 'rotated');
    cli.printJson({
      dryRun,
      checkedAt: report.checkedAt,
      due: report.results.map((r) => ({ key: r.key, rotation: r.period, dueAt: r.dueAt, status: r.status })),
      rotated: rotated.map((r) => ({ key: r.key, version: r.version, previous: r.previousVersion })),
      results: report.results,
      expiring: report.expiring,
      expired: report.expired,
    });
    return;
  }
  if (report.results.length === 0) cli.note('no secret is due for rotation');
  for (const r of report.results) {
    const what = `${r.key} (every ${r.period})`;
    if (r.status === 'rotated') cli.print(`rotated ${what}: version ${r.previousVersion} -> ${r.version}`);
    else if (r.status === 'due') cli.print(`due ${what}, since ${r.dueAt.toISOString()}`);
    else if (r.status === 'conflict') cli.print(`not rotated ${r.key}: ${r.reason}`);
    else cli.print(`${r.status === 'failed' ? 'failed' : 'skipped'} ${r.key}: ${r.reason}`);
  }
  for (const e of report.expiring)
    cli.print(
      `expiring ${e.key}: ${e.reason === 'expiry' ? 'expires' : 'rotation due'} ${e.at.toISOString()}`,
    );
  for (const e of report.expired) cli.print(`expired ${e.key}: since ${e.at.toISOString()}`);
}
