import { parseDuration } from './duration.js';
import { UnsupportedOperationError, ValidationError } from './errors.js';
import type { Secret, SecretInfo } from './secret.js';
import type { ProviderSlot } from './slot.js';
import type { RotateSecretOptions } from './types.js';

/** The tags a rotation with `keepPrevious` leaves on the secret: which version stays readable, and until when. */
export const PREVIOUS_VERSION_TAG = 'rotation-previous-version';
export const PREVIOUS_UNTIL_TAG = 'rotation-previous-until';

/** Checks `keepPrevious` against the options and the provider; its length in ms, when given. */
export function keepPreviousMs(options: RotateSecretOptions, slot: ProviderSlot): number | undefined {
  if (options.keepPrevious === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(options.keepPrevious);
  } catch {
    throw new ValidationError(
      `keepPrevious: expected a duration such as '1h', got '${String(options.keepPrevious)}'`,
    );
  }
  if (options.expireOldVersion)
    throw new ValidationError(
      'keepPrevious keeps the old version readable: it cannot go with expireOldVersion',
    );
  const { versions, tags } = slot.provider.capabilities;
  if (!versions || !tags)
    throw new UnsupportedOperationError(
      slot.name,
      'rotate',
      `provider '${slot.name}' cannot keep a previous version readable (it needs versions and tags)`,
    );
  return ms;
}

/**
 * The tags the new version is written with: the grace period's when one is asked, else the
 * current tags without an old grace period's (undefined: leave the tags as they are).
 */
export function rotationTags(
  current: Secret,
  keepMs: number | undefined,
  now: number,
): Record<string, string> | undefined {
  const { [PREVIOUS_VERSION_TAG]: _version, [PREVIOUS_UNTIL_TAG]: until, ...rest } = current.tags;
  if (keepMs !== undefined)
    return {
      ...rest,
      [PREVIOUS_VERSION_TAG]: current.version,
      [PREVIOUS_UNTIL_TAG]: new Date(now + keepMs).toISOString(),
    };
  return until === undefined && _version === undefined ? undefined : rest;
}

/** The version a rotation kept readable, while its grace period lasts. */
export function keptPreviousVersion(secret: SecretInfo, now: number): string | undefined {
  const version = secret.tags[PREVIOUS_VERSION_TAG];
  const until = Date.parse(secret.tags[PREVIOUS_UNTIL_TAG] ?? '');
  if (!version || !Number.isFinite(until) || now >= until) return undefined;
  return version;
}

/** `${secret:name@previous}` names the version a rotation replaced, during its grace period. */
const PREVIOUS_SUFFIX = '@previous';

/** Splits a reference's `name@previous` into the name and whether the previous version is meant. */
export function splitPreviousReference(reference: string): { name: string; previous: boolean } {
  return reference.endsWith(PREVIOUS_SUFFIX)
    ? { name: reference.slice(0, -PREVIOUS_SUFFIX.length), previous: true }
    : { name: reference, previous: false };
}
