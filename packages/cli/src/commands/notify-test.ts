import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { notifierOf } from '../notices.js';

/** Sends a `notify.test` notice to every sink of `notifications:` and reports each delivery. */
export default async function notifyTest(cli: Cli): Promise<void> {
  const notifier = await notifierOf(cli);
  const settings = await cli.settings();
  if (!notifier?.active)
    throw new CliError(
      'no notification sink is configured for this project',
      1,
      `add to ${settings.config.file ?? 'hush.config.yaml'}:  notifications: { webhook: { url: https://..., key: '\${env:HUSH_WEBHOOK_KEY}' } }`,
    );
  const deliveries = await notifier.notify({
    event: 'notify.test',
    at: new Date().toISOString(),
    environment: settings.environmentName,
  });
  if (cli.options.json) cli.printJson({ deliveries });
  else
    for (const d of deliveries)
      cli.print(
        d.ok
          ? `${cli.colors.green('✓')} ${d.sink} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})`
          : `${cli.colors.red('✗')} ${d.sink}: ${d.error} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
      );
  const failed = deliveries.filter((d) => !d.ok);
  if (failed.length)
    throw new CliError(`${failed.length} of ${deliveries.length} sinks did not take the test notice`);
}
