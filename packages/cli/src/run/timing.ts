import { durationOption as ms } from '../duration-option.js';
import { UsageError } from '../errors.js';
import { RUN_TIMING_DEFAULTS, type TimingOptions } from './defaults.js';

export interface Timing {
  intervalMs: number;
  graceMs: number;
  backoffMs: number;
  signal: NodeJS.Signals;
  reloadSignal?: NodeJS.Signals;
}

/** The timing options checked and parsed; a bad one is a usage error naming the option. */
export function timingOf(options: TimingOptions): Timing {
  return {
    intervalMs: ms(options.watchInterval, '--watch-interval'),
    graceMs: ms(options.grace, '--grace'),
    backoffMs: ms(options.backoff, '--backoff'),
    signal: signalOption(options.signal, '--signal'),
    ...(options.reloadSignal ? { reloadSignal: signalOption(options.reloadSignal, '--reload-signal') } : {}),
  };
}

function signalOption(value: string, option: string): NodeJS.Signals {
  const name = (
    value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`
  ) as NodeJS.Signals;
  // The default needs no lookup: a plain `hush run` then never loads node:os.
  if (name !== RUN_TIMING_DEFAULTS.signal && !(name in process.getBuiltinModule('node:os').constants.signals))
    throw new UsageError(`${option}: unknown signal '${value}' (e.g. SIGTERM, SIGHUP, SIGINT)`);
  return name;
}
