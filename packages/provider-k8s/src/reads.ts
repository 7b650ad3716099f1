import {
  createSecret,
  mapConcurrent,
  type ProviderCallOptions,
  type ProviderGetOptions,
  type Secret,
  type SecretInfo,
  UnsupportedOperationError,
} from '@hush/core';
import type { V1Secret } from '@kubernetes/client-node';
import {
  decodeValue,
  holdsPath,
  infoOf,
  type Location,
  locate,
  statusCodeOf,
  wholeSecretValue,
} from './mapping.js';
import type { K8sSession } from './session.js';

const BATCH_CONCURRENCY = 8;

/** Where a hush name lives: which Secret, which data key. */
export function locationOf(session: K8sSession, key: string): Location {
  return locate(key, session.mode, session.defaultKey);
}

/** What hush knows of one entry of a Secret; undefined when the Secret has no such key. */
export function entryInfo(
  session: K8sSession,
  secret: V1Secret,
  location: Location,
  key: string,
): SecretInfo | undefined {
  if (session.mode === 'key' && !Object.hasOwn(secret.data ?? {}, location.entry)) return undefined;
  return infoOf(secret, key, location.entry, session.name);
}

function entryValue(session: K8sSession, secret: V1Secret, location: Location): string {
  return session.mode === 'secret' ? wholeSecretValue(secret) : decodeValue(secret.data![location.entry]!);
}

/** The Secret for a location, or undefined when it is missing or belongs to another path (hash collision). */
async function readSecret(
  session: K8sSession,
  location: Location,
  key: string,
  signal: AbortSignal | undefined,
): Promise<V1Secret | undefined> {
  try {
    const secret = await session.request('get', key, signal, (api) =>
      api.readNamespacedSecret({ name: location.secretName, namespace: session.namespace }),
    );
    return holdsPath(secret, location.path) ? secret : undefined;
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** One Secret read; a version other than the current one is refused (Kubernetes keeps none). */
export async function getSecret(
  session: K8sSession,
  key: string,
  options: ProviderGetOptions,
): Promise<Secret | null> {
  const location = locationOf(session, key);
  const secret = await readSecret(session, location, key, options.abortSignal);
  if (!secret) return null;
  const info = entryInfo(session, secret, location, key);
  if (!info) return null;
  if (options.version !== undefined && options.version !== info.version)
    throw new UnsupportedOperationError(
      session.name,
      'versions',
      `provider '${session.name}' keeps no versions: Kubernetes stores only the current Secret`,
    );
  return createSecret({ ...info, value: entryValue(session, secret, location) });
}

/** Reads each Secret once, however many of its keys are asked for. */
export async function getManySecrets(
  session: K8sSession,
  keys: string[],
  options: ProviderCallOptions,
): Promise<Map<string, Secret | null>> {
  const located = keys.map((key) => ({ key, location: locationOf(session, key) }));
  const firstOf = new Map<string, { key: string; location: Location }>();
  for (const item of located)
    if (!firstOf.has(item.location.secretName)) firstOf.set(item.location.secretName, item);
  const secrets = new Map<string, V1Secret | undefined>();
  // A few reads at a time, so that a large batch does not open hundreds of connections.
  await mapConcurrent([...firstOf.values()], BATCH_CONCURRENCY, async (item) =>
    secrets.set(
      item.location.secretName,
      await readSecret(session, item.location, item.key, options.abortSignal),
    ),
  );
  const result = new Map<string, Secret | null>();
  for (const { key, location } of located) {
    const secret = secrets.get(location.secretName);
    const info = secret && entryInfo(session, secret, location, key);
    result.set(
      key,
      secret && info ? createSecret({ ...info, value: entryValue(session, secret, location) }) : null,
    );
  }
  return result;
}
