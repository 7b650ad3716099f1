import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, VersionConflictError } from '@hush/core';
import type { V1Secret } from '@kubernetes/client-node';
import { holdsPath, type Location, statusCodeOf, toHushError } from './mapping.js';
import { errorContext, type K8sSession } from './session.js';

/** What a write does to the Secret it read. */
export type Change =
  | { kind: 'none' }
  | { kind: 'create'; body: V1Secret }
  | { kind: 'replace'; body: V1Secret }
  | { kind: 'delete'; resourceVersion: string };

/**
 * Read, change, write with the read resourceVersion; a 409 (someone else wrote in between,
 * or created the Secret first) starts over, up to `maxConflictRetries` times. With an
 * `expectedVersion` the caller asked for compare-and-set, so a conflict is final.
 */
export async function updateSecret(
  session: K8sSession,
  location: Location,
  key: string,
  verb: 'update' | 'delete',
  expectedVersion: string | undefined,
  signal: AbortSignal | undefined,
  change: (current: V1Secret | undefined) => Change,
): Promise<V1Secret | undefined> {
  return exclusive(session.locks, location.secretName, async () => {
    for (let attempt = 0; ; attempt++) {
      const current = await readForWrite(session, location, key, signal);
      const next = change(current);
      try {
        return await apply(session, location, key, signal, current, next);
      } catch (error) {
        const code = statusCodeOf(error);
        // 409: stale resourceVersion or created meanwhile; 404 on replace/delete: deleted meanwhile.
        const raced = code === 409 || (code === 404 && next.kind !== 'create');
        if (!raced) throw toHushError(error, errorContext(session, verb, key));
        if (expectedVersion !== undefined) throw new VersionConflictError(key);
        if (attempt >= session.maxConflictRetries) {
          session.counters.conflictsExhausted++;
          throw new VersionConflictError(
            key,
            `secret '${key}' kept changing concurrently: gave up after ${attempt + 1} attempts`,
          );
        }
        session.counters.conflictRetries++;
        await sleep(Math.random() * 20 * (attempt + 1), undefined, signal ? { signal } : undefined);
      }
    }
  });
}

/** Sends the change; a 404 or 409 comes back raw, for the loop to retry. */
async function apply(
  session: K8sSession,
  location: Location,
  key: string,
  signal: AbortSignal | undefined,
  current: V1Secret | undefined,
  next: Change,
): Promise<V1Secret | undefined> {
  const { namespace } = session;
  switch (next.kind) {
    case 'none':
      return current;
    case 'create':
      return await session.request(
        'create',
        key,
        signal,
        (api) => api.createNamespacedSecret({ namespace, body: next.body }),
        undefined,
        true,
      );
    case 'replace':
      return await session.request(
        'update',
        key,
        signal,
        (api) => api.replaceNamespacedSecret({ name: location.secretName, namespace, body: next.body }),
        undefined,
        true,
      );
    case 'delete':
      await session.request(
        'delete',
        key,
        signal,
        (api) =>
          api.deleteNamespacedSecret({
            name: location.secretName,
            namespace,
            body: { preconditions: { resourceVersion: next.resourceVersion } },
          }),
        undefined,
        true,
      );
      return undefined;
  }
}

async function readForWrite(
  session: K8sSession,
  location: Location,
  key: string,
  signal: AbortSignal | undefined,
): Promise<V1Secret | undefined> {
  try {
    const secret = await session.request('get', key, signal, (api) =>
      api.readNamespacedSecret({ name: location.secretName, namespace: session.namespace }),
    );
    if (!holdsPath(secret, location.path))
      throw new ProviderError(
        session.name,
        `Secret '${location.secretName}' in namespace '${session.namespace}' belongs to another name; refusing to overwrite it`,
      );
    return secret;
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** Runs `work` after every earlier write to the same Secret from this process has settled. */
async function exclusive<T>(
  locks: Map<string, Promise<unknown>>,
  secretName: string,
  work: () => Promise<T>,
): Promise<T> {
  const previous = locks.get(secretName) ?? Promise.resolve();
  const run = previous.then(work, work);
  const settled = run.catch(() => undefined);
  locks.set(secretName, settled);
  try {
    return await run;
  } finally {
    if (locks.get(secretName) === settled) locks.delete(secretName);
  }
}
