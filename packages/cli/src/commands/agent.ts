import { Cli } from '../context.js';
import { durationOption } from '../duration-option.js';
import { importOptional } from '../resolve.js';

export interface AgentCommandOptions {
  /** A path, or false for `--no-socket`. */
  socket?: string | false;
  listen?: string;
  tokenFile?: string;
  allowWrites?: boolean;
  /** `--busy-poll 1ms|0|auto`: how long the agent keeps polling after each request. */
  busyPoll?: string;
}

/**
 * `hush agent`: the configured manager as a daemon for every process of the host, until SIGTERM
 * or SIGINT (requests in flight finish first); SIGHUP reloads the configuration.
 */
export default async function agent(
  cli: Cli,
  _args: unknown[],
  options: AgentCommandOptions = {},
): Promise<void> {
  const busyPoll =
    options.busyPoll === undefined || options.busyPoll === 'auto'
      ? 'auto'
      : options.busyPoll === '0'
        ? 0
        : durationOption(options.busyPoll, '--busy-poll');
  const settings = await cli.settings();
  const mod = await importOptional<typeof import('@hush/agent')>(
    '@hush/agent',
    settings.config.root,
    '`hush agent` runs the manager as a daemon',
  );
  const load = async () => {
    // Each load reads the configuration afresh: that is what a reload is.
    const fresh = new Cli(cli.options);
    const current = await fresh.settings();
    // One cache for the host: refresh ahead of expiry unless the configuration says otherwise.
    current.config.cache = { refreshAhead: 0.2, ...current.config.cache };
    const manager = await fresh.manager();
    return {
      manager,
      providers: current.environment.providers,
      environment: current.environmentName,
      accessor: fresh.accessor,
      dispose: () => fresh.dispose(),
    };
  };
  const running = await mod.startAgent({
    load,
    ...(options.socket !== undefined ? { socket: options.socket } : {}),
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    ...(options.tokenFile !== undefined ? { tokenFile: options.tokenFile } : {}),
    allowWrites: options.allowWrites ?? false,
    busyPoll,
  });
  if (cli.options.json)
    cli.printJson({
      pid: process.pid,
      ...(running.socketPath ? { socket: running.socketPath } : {}),
      ...(running.url ? { url: running.url, tokenFile: running.tokenFile } : {}),
    });
  await new Promise<void>((resolve) => {
    const reload = () => {
      running.reload().catch(() => undefined);
    };
    const stop = () => {
      process.off('SIGHUP', reload);
      running.stop().then(resolve, resolve);
    };
    process.on('SIGHUP', reload);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
