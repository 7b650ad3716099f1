import {
  type ProviderDeleteOptions,
  type ProviderSetOptions,
  type SecretInfo,
  VersionConflictError,
} from '@hush/core';
import type { V1Secret } from '@kubernetes/client-node';
import {
  type EntryMeta,
  encodeValue,
  type Location,
  OPAQUE,
  PATH_ANNOTATION,
  readEntries,
  validateTags,
  WHOLE_SECRET_ENTRY,
  wholeSecretData,
  writeEntries,
} from './mapping.js';
import { entryInfo, locationOf } from './reads.js';
import type { K8sSession } from './session.js';
import { type Change, updateSecret } from './update.js';

/** Writes one entry (or, in `secret` mode, the whole Secret), creating the Secret when needed. */
export async function setSecret(
  session: K8sSession,
  key: string,
  value: string,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  const location = locationOf(session, key);
  if (options.tags) validateTags(options.tags);
  const data =
    session.mode === 'secret' ? wholeSecretData(key, value) : { [location.entry]: encodeValue(value) };
  const written = await updateSecret(
    session,
    location,
    key,
    'update',
    options.expectedVersion,
    options.abortSignal,
    (current) =>
      current
        ? replaceEntry(session, current, location, key, data, options)
        : createWith(location, key, data, options),
  );
  return entryInfo(session, written!, location, key)!;
}

/** The annotation hush keeps beside an entry; what the write does not set carries over from `previous`. */
function entryMeta(options: ProviderSetOptions, previous?: EntryMeta): EntryMeta {
  const next: EntryMeta = { updatedAt: new Date().toISOString() };
  if (options.expiresAt) next.expiresAt = options.expiresAt.toISOString();
  const metadata = options.metadata ?? previous?.metadata;
  if (metadata && Object.keys(metadata).length) next.metadata = { ...metadata };
  const scope = options.scope ?? previous?.scope;
  if (scope !== undefined) next.scope = scope;
  return next;
}

function createWith(
  location: Location,
  key: string,
  data: Record<string, string>,
  options: ProviderSetOptions,
): Change {
  if (options.expectedVersion !== undefined && options.expectedVersion !== '0')
    throw new VersionConflictError(key);
  const annotations: Record<string, string> = {};
  if (location.secretName !== location.path) annotations[PATH_ANNOTATION] = location.path;
  writeEntries(annotations, { [location.entry]: entryMeta(options) });
  return {
    kind: 'create',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: location.secretName,
        ...(options.tags ? { labels: { ...options.tags } } : {}),
        annotations,
      },
      type: OPAQUE,
      data,
    },
  };
}

function replaceEntry(
  session: K8sSession,
  current: V1Secret,
  location: Location,
  key: string,
  data: Record<string, string>,
  options: ProviderSetOptions,
): Change {
  if (options.expectedVersion !== undefined) {
    const exists = session.mode === 'secret' || Object.hasOwn(current.data ?? {}, location.entry);
    const matches =
      options.expectedVersion === '0'
        ? !exists
        : exists && options.expectedVersion === current.metadata?.resourceVersion;
    if (!matches) throw new VersionConflictError(key);
  }
  const entries = readEntries(current);
  const body: V1Secret = {
    ...current,
    metadata: { ...current.metadata, annotations: { ...(current.metadata?.annotations ?? {}) } },
    data: session.mode === 'secret' ? data : { ...(current.data ?? {}), ...data },
  };
  delete body.stringData;
  if (options.tags) body.metadata!.labels = { ...options.tags };
  if (session.mode === 'secret')
    for (const k of Object.keys(entries)) if (k !== WHOLE_SECRET_ENTRY) delete entries[k];
  entries[location.entry] = entryMeta(options, entries[location.entry]);
  writeEntries(body.metadata!.annotations!, entries);
  return { kind: 'replace', body };
}

/** Removes one entry; the Secret goes with its last entry (or, in `secret` mode, always). */
export async function deleteSecret(
  session: K8sSession,
  key: string,
  options: ProviderDeleteOptions,
): Promise<boolean> {
  const location = locationOf(session, key);
  let deleted = false;
  await updateSecret(session, location, key, 'delete', undefined, options.abortSignal, (current) => {
    deleted = false;
    if (!current) return { kind: 'none' };
    const data = current.data ?? {};
    if (session.mode === 'key' && !Object.hasOwn(data, location.entry)) return { kind: 'none' };
    deleted = true;
    const rest = Object.keys(data).filter((k) => k !== location.entry);
    if (session.mode === 'secret' || rest.length === 0)
      return { kind: 'delete', resourceVersion: current.metadata!.resourceVersion! };
    const entries = readEntries(current);
    delete entries[location.entry];
    const annotations = { ...(current.metadata?.annotations ?? {}) };
    writeEntries(annotations, entries);
    const body: V1Secret = {
      ...current,
      metadata: { ...current.metadata, annotations },
      data: Object.fromEntries(rest.map((k) => [k, data[k]!])),
    };
    return { kind: 'replace', body };
  });
  return deleted;
}
