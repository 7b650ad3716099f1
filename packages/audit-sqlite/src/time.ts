/*
 * How instants are stored: UTC text `YYYY-MM-DD HH:MM:SS.SSSZ`. That is SQLite's own `datetime()`
 * form with milliseconds and a zone, so hand-written SQL compares correctly against it
 * (`timestamp >= datetime('now', '-24 hours')`, `julianday(expires_at)`), while it still sorts in
 * time order as text and reads the same on PostgreSQL (`::timestamptz` parses it). ISO text with a
 * `T` would not: `T` sorts after the space `datetime()` puts there.
 */

export function toDbTime(date: Date): string {
  return date.toISOString().replace('T', ' ');
}

export function fromDbTime(text: string): Date {
  return new Date(text.replace(' ', 'T'));
}

/** `toDbTime` of a nullable date. */
export function toDbTimeOrNull(date: Date | null | undefined): string | null {
  return date ? toDbTime(date) : null;
}

export function fromDbTimeOrNull(text: string | null): Date | null {
  return text === null ? null : fromDbTime(text);
}
