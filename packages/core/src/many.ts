import type { BatchOutcome, BatchReader } from './batch.js';
import { HushError } from './errors.js';
import type { Hooks, LiveEvent } from './hooks.js';
import { monotonicMs } from './monotonic.js';
import type { GetSecretOptions } from './types.js';

/** A batch outcome, or a denial by a plugin before the read or before serving. */
export type KeyOutcome = BatchOutcome | { kind: 'denied'; error: unknown };

/**
 * Many reads through the batch path, each key checked and recorded as a single read would be:
 * its own `before` (a denial leaves the key unread), `beforeServe` on the name the provider
 * served, and `after` with its outcome. Without plugins, only the batch read runs.
 */
export async function readMany(
  batch: BatchReader,
  hooks: Hooks,
  keys: string[],
  options: Pick<GetSecretOptions, 'provider' | 'accessor' | 'scope' | 'fresh'>,
): Promise<Map<string, KeyOutcome>> {
  if (!hooks.active) return batch.read(keys, options.provider, options.fresh ?? false);
  const started = monotonicMs();
  const events = new Map<string, LiveEvent>();
  const denied = new Map<string, unknown>();
  for (const key of keys) {
    const event = hooks.event('get', {
      key,
      provider: options.provider,
      accessor: options.accessor,
      scope: options.scope,
    });
    events.set(key, event);
    try {
      const checked = hooks.before(event);
      if (checked) await checked;
    } catch (error) {
      denied.set(key, error);
    }
  }
  const allowed = denied.size ? keys.filter((key) => !denied.has(key)) : keys;
  const outcomes: Map<string, KeyOutcome> = allowed.length
    ? await batch.read(allowed, options.provider, options.fresh ?? false)
    : new Map();
  for (const [key, error] of denied) outcomes.set(key, { kind: 'denied', error });
  for (const [key, outcome] of outcomes) {
    if (outcome.kind !== 'found') continue;
    try {
      const allowed = hooks.beforeServe(events.get(key)!, outcome.secret);
      if (allowed) await allowed;
    } catch (error) {
      outcomes.set(key, { kind: 'denied', error });
    }
  }
  for (const key of keys) {
    const event = events.get(key)!;
    const outcome = outcomes.get(key)!;
    record(event, outcome);
    // A denied key's record may fail quietly; a served one's failure fails the read (fail-closed audit).
    try {
      const recorded = hooks.after(event, started);
      if (recorded) await recorded;
    } catch (error) {
      if (outcome.kind !== 'denied') throw error;
    }
  }
  return outcomes;
}

function record(event: LiveEvent, outcome: KeyOutcome): void {
  switch (outcome.kind) {
    case 'found':
      event.outcome = 'success';
      event.provider = outcome.secret.provider;
      if (outcome.cached) event.cached = true;
      return;
    case 'missing':
      event.outcome = 'not_found';
      return;
    case 'unavailable':
      event.outcome = 'error';
      event.errorCode = 'PROVIDER_UNAVAILABLE';
      return;
    default: {
      const code = outcome.error instanceof HushError ? outcome.error.code : 'ERROR';
      event.outcome = code === 'ACCESS_DENIED' ? 'denied' : 'error';
      event.errorCode = code;
    }
  }
}
