import type { Notice, Notifier } from '@hush/core';
import type { Cli } from './context.js';

/** The configuration's notifier (`notifications:`), or undefined when none is configured. */
export async function notifierOf(cli: Cli): Promise<Notifier | undefined> {
  const { config } = await cli.settings();
  const settings = config.notifications;
  if (!settings) return undefined;
  const core = await import('@hush/core');
  return new core.Notifier({
    webhooks: settings.webhooks,
    commands: settings.commands,
    // The log sink writes to stderr, next to the command's own messages.
    log: settings.log ? (line) => process.stderr.write(`${line}\n`) : false,
    ...(settings.events ? { events: settings.events } : {}),
  });
}

/** Sends a notice; a sink that failed is a warning (the notice says names and times only). */
export async function send(cli: Cli, notifier: Notifier, notice: Notice): Promise<boolean> {
  const deliveries = await notifier.notify(notice);
  for (const d of deliveries.filter((d) => !d.ok))
    cli.warn(`${notice.event} not delivered to ${d.sink} after ${d.attempts} attempt(s): ${d.error}`);
  return deliveries.every((d) => d.ok);
}

/**
 * `access.failed_burst`: accessors with more failed operations than the threshold within the
 * window, from the audit log (when audit is enabled). `seen` keeps a watch loop from sending the
 * same burst again: a new failure makes it a new one.
 */
export async function checkFailedBursts(
  cli: Cli,
  notifier: Notifier,
  seen: Set<string> = new Set(),
): Promise<void> {
  const { config, audit, environmentName } = await cli.settings();
  if (!audit?.enabled || !config.notifications) return;
  const core = await import('@hush/core');
  const { threshold, window } = config.notifications.failedReads;
  const log = await cli.auditLog();
  const now = Date.now();
  for (const burst of await log.accessorsWithFailures({ threshold, window })) {
    const id = `${burst.accessor}:${burst.lastFailureAt.getTime()}:${burst.failures}`;
    if (seen.has(id)) continue;
    seen.add(id);
    await send(cli, notifier, {
      event: 'access.failed_burst',
      at: new Date(now).toISOString(),
      environment: environmentName,
      accessor: burst.accessor ?? '(unknown)',
      count: burst.failures,
      windowStart: new Date(now - core.parseDuration(window)).toISOString(),
    });
  }
}
