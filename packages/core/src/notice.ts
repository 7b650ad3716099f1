/** The events hush sends notices about. */
export type NoticeEvent =
  | 'secret.rotated'
  | 'secret.expiring'
  | 'secret.expired'
  | 'secret.rotation_failed'
  | 'access.failed_burst'
  | 'notify.test';

/**
 * One notice: the event, names and times, never a value. Every field but `event` and `at` is
 * there only when it applies.
 */
export interface Notice {
  event: NoticeEvent;
  /** When it happened (ISO 8601). */
  at: string;
  environment?: string;
  /** The secret concerned. */
  secret?: string;
  provider?: string;
  version?: string;
  previousVersion?: string;
  /** `secret.expiring`: what comes, an expiry or a due rotation, and when (ISO 8601). */
  reason?: string;
  expiresAt?: string;
  dueAt?: string;
  /** Until when the replaced version stays readable (`keepPrevious`). */
  previousUntil?: string;
  /** `secret.rotation_failed`: the error's code (a message without any value). */
  code?: string;
  message?: string;
  /** `access.failed_burst`: who failed, how often, in which window. */
  accessor?: string;
  count?: number;
  windowStart?: string;
}

/** Where notices go: a sink, several, or a callback. */
export type NoticeHandler = (notice: Notice) => void | Promise<void>;
