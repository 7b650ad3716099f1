// Kept apart from timing.ts (which loads core): the command definitions read these at start-up.

/** The options of `hush run` that shape its timing, as given (defaults in RUN_TIMING_DEFAULTS). */
export interface TimingOptions {
  watchInterval: string;
  grace: string;
  signal: string;
  reloadSignal?: string;
  backoff: string;
}

/** The defaults of `hush run`'s timing options, as `hush run --help` shows them. */
export const RUN_TIMING_DEFAULTS = {
  watchInterval: '30s',
  grace: '10s',
  signal: 'SIGTERM',
  backoff: '1s',
} as const satisfies TimingOptions;
