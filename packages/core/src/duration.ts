import { ValidationError } from './errors.js';
import type { Duration } from './types.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)$/;

/** `'90d'` → milliseconds. Numbers are taken as milliseconds. */
export function parseDuration(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new ValidationError(`invalid duration ${value}`);
    return value;
  }
  const match = DURATION.exec(value.trim());
  if (!match)
    throw new ValidationError(
      `invalid duration '${value}': expected a number and a unit (ms, s, m, h, d, w, y), e.g. '90d'`,
    );
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

export function isDurationText(value: string): boolean {
  return DURATION.test(value.trim());
}

/** An expiry given as a duration from now (`'90d'`), an ISO date, or a Date. */
export function parseExpiry(value: Duration | Date, now = Date.now()): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError('invalid expiry date');
    return value;
  }
  if (typeof value === 'number' || isDurationText(value)) return new Date(now + parseDuration(value));
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new ValidationError(`invalid expiry '${value}': expected a duration such as '90d' or an ISO date`);
  return date;
}
