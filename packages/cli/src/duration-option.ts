import { parseDuration } from '@hush/core';
import { UsageError } from './errors.js';

/** A duration flag (`--grace 10s`) in milliseconds; a bad one is a usage error naming the flag. */
export function durationOption(value: string, option: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`${option} expects a duration such as 30s or 500ms, got '${value}'`);
  }
}
