import type { FaultOptions } from './faults.js';

/** Options every emulator takes. */
export interface EmulatorBaseOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keeps state in this JSON file: loaded at start, rewritten after every change. Holds values in clear. */
  snapshotFile?: string;
  /** Initial faults; change them later through the handle's `faults`. */
  faults?: FaultOptions;
  /** Random source for fault rates (pass a seeded one for a reproducible sequence). Default Math.random. */
  random?: () => number;
  /**
   * The emulator's clock in epoch milliseconds (default `Date.now`). Tests pass a clock they move
   * to pass expiries, TTLs and recovery windows without waiting.
   */
  now?: () => number;
}

/** How `hush-emulators <service>` starts an emulator. */
export interface ServiceStartOptions {
  port?: number;
  host?: string;
  snapshotFile?: string;
  faults?: FaultOptions;
}

export interface RunningService {
  url: string;
  stop(): Promise<void>;
  /** Connection details to print for a user (credentials, CA file, ...). */
  describe(): Record<string, string>;
}
