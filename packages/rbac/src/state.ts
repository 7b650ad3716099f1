import type { ChangeReporter } from './changes.js';
import type { AccessControlCounters } from './options.js';
import type { Permission, PermissionStore } from './types.js';

/** What the access control's operations share: its store, settings, counters and change reporter. */
export interface ControlState {
  readonly store: PermissionStore;
  readonly enforced: boolean;
  readonly defaultPermissions: readonly Permission[];
  readonly counters: AccessControlCounters;
  /** Accessors holding admin on everything without a grant. */
  readonly root: ReadonlySet<string>;
  readonly now: () => Date;
  readonly changes: ChangeReporter;
}
