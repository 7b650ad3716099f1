import { checkKeys, expectObject, type Fail, parseDurationSetting } from './config-checks.js';
import type { Duration } from './types.js';

/** `rotation:` in the configuration. */
export interface RotationSettings {
  /** Rotation period of every secret of a writable provider that has none of its own. */
  defaultPeriod?: Duration;
  /** How long before an expiry or a due rotation `secret.expiring` is sent (default 7d). */
  notifyBefore?: Duration;
}

/**
 * A rotator's policy for the secrets whose names match its key (a name or a glob): the
 * `rotation` of the configuration's `schema:` declarations, or given in code.
 */
export interface SchemaRule {
  /** Rotation period (`30d`); the secret's `rotation` tag wins over it. */
  rotation?: Duration;
  /** Generator of new values (`random:32`, `random:24:hex`, `uuid`); the `rotation-generator` tag wins. */
  generator?: string;
}

export function parseRotationSettings(raw: unknown, fail: Fail): RotationSettings {
  const obj = expectObject(raw, 'rotation', fail);
  checkKeys(obj, 'rotation', ['defaultPeriod', 'notifyBefore'], fail);
  const settings: RotationSettings = {};
  if (obj.defaultPeriod !== undefined)
    settings.defaultPeriod = parseDurationSetting(obj.defaultPeriod, 'rotation.defaultPeriod', fail);
  if (obj.notifyBefore !== undefined)
    settings.notifyBefore = parseDurationSetting(obj.notifyBefore, 'rotation.notifyBefore', fail);
  return settings;
}
