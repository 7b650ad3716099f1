import { checkKeys, describe, expectObject, type Fail, parseDurationSetting } from './config-checks.js';
import type { NoticeEvent } from './notice.js';
import type { CommandSink, WebhookSink } from './notify.js';
import type { Duration } from './types.js';

export const NOTICE_EVENTS: readonly NoticeEvent[] = [
  'secret.rotated',
  'secret.expiring',
  'secret.expired',
  'secret.rotation_failed',
  'access.failed_burst',
  'notify.test',
];

/** `notifications:` in the configuration. */
export interface NotificationSettings {
  webhooks: WebhookSink[];
  commands: CommandSink[];
  log: boolean;
  events?: NoticeEvent[];
  /** `access.failed_burst`: more than `threshold` failed operations by one accessor within `window`. */
  failedReads: { threshold: number; window: Duration };
}

export function parseNotifications(raw: unknown, fail: Fail): NotificationSettings {
  const obj = expectObject(raw, 'notifications', fail);
  checkKeys(obj, 'notifications', ['webhook', 'command', 'log', 'events', 'failedReads'], fail);
  const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  const settings: NotificationSettings = {
    webhooks: list(obj.webhook).map((w, i) =>
      parseWebhook(
        w,
        Array.isArray(obj.webhook) ? `notifications.webhook[${i}]` : 'notifications.webhook',
        fail,
      ),
    ),
    commands: parseCommands(obj.command, fail),
    log: false,
    failedReads: { threshold: 5, window: '24h' },
  };
  if (obj.log !== undefined) {
    if (typeof obj.log !== 'boolean')
      fail('notifications.log', `expected true or false, got ${describe(obj.log)}`);
    settings.log = obj.log as boolean;
  }
  if (obj.events !== undefined) {
    if (!Array.isArray(obj.events))
      fail('notifications.events', `expected a list of events, got ${describe(obj.events)}`);
    settings.events = (obj.events as unknown[]).map((event, i) => {
      if (!NOTICE_EVENTS.includes(event as NoticeEvent))
        fail(`notifications.events[${i}]`, `expected one of: ${NOTICE_EVENTS.join(', ')}`);
      return event as NoticeEvent;
    });
  }
  if (obj.failedReads !== undefined) {
    const burst = expectObject(obj.failedReads, 'notifications.failedReads', fail);
    checkKeys(burst, 'notifications.failedReads', ['threshold', 'window'], fail);
    if (burst.threshold !== undefined) {
      if (!Number.isInteger(burst.threshold) || (burst.threshold as number) < 0)
        fail(
          'notifications.failedReads.threshold',
          `expected a whole number, got ${describe(burst.threshold)}`,
        );
      settings.failedReads.threshold = burst.threshold as number;
    }
    if (burst.window !== undefined)
      settings.failedReads.window = parseDurationSetting(
        burst.window,
        'notifications.failedReads.window',
        fail,
      );
  }
  return settings;
}

function parseWebhook(raw: unknown, path: string, fail: Fail): WebhookSink {
  const obj = expectObject(raw, path, fail);
  checkKeys(obj, path, ['url', 'key', 'retries', 'backoff', 'timeout'], fail);
  let url: URL | undefined;
  try {
    url = typeof obj.url === 'string' ? new URL(obj.url) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    fail(`${path}.url`, `expected an http(s) URL, got ${describe(obj.url)}`);
  if (typeof obj.key !== 'string' || obj.key.length < 16)
    fail(`${path}.key`, `expected the shared signing key (16 characters or more), got ${describe(obj.key)}`);
  const sink: WebhookSink = { url: obj.url as string, key: obj.key as string };
  if (obj.retries !== undefined) {
    if (!Number.isInteger(obj.retries) || (obj.retries as number) < 0)
      fail(`${path}.retries`, `expected a whole number, got ${describe(obj.retries)}`);
    sink.retries = obj.retries as number;
  }
  if (obj.backoff !== undefined) sink.backoff = parseDurationSetting(obj.backoff, `${path}.backoff`, fail);
  if (obj.timeout !== undefined) sink.timeout = parseDurationSetting(obj.timeout, `${path}.timeout`, fail);
  return sink;
}

/** `command: [prog, arg]`, or a list of them. */
function parseCommands(raw: unknown, fail: Fail): CommandSink[] {
  if (raw === undefined) return [];
  const isArgv = (value: unknown) =>
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((part) => typeof part === 'string' && part !== '');
  if (isArgv(raw)) return [{ command: raw as string[] }];
  if (Array.isArray(raw) && raw.length > 0 && raw.every(isArgv))
    return (raw as string[][]).map((command) => ({ command }));
  return fail(
    'notifications.command',
    `expected a program and its arguments ([/usr/local/bin/page, --team, ops]), or a list of them, got ${describe(raw)}`,
  );
}
