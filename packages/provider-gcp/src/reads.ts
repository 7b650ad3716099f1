import type { protos } from '@google-cloud/secret-manager';
import {
  createSecret,
  IntegrityError,
  type ProviderGetOptions,
  type ProviderListOptions,
  type Secret,
  type SecretInfo,
} from '@hush/core';
import { crc32c } from './crc32c.js';
import { Code, fromSecretId, grpcCode, lastSegment, toDate, toSecretId, type WireSecret } from './mapping.js';
import type { GcpSession } from './session.js';

type AccessResponse = protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse;

/** A version number as Secret Manager counts them (`latest` is asked for by giving none). */
export const VERSION_NUMBER = /^[1-9][0-9]{0,18}$/;

/** Reads at a time in a batch, and version changes at a time after a write. */
export const BATCH_CONCURRENCY = 8;

/** A version's payload (its CRC32C checked) with the secret's labels, annotations and expiry. */
export async function readSecret(
  session: GcpSession,
  key: string,
  options: ProviderGetOptions,
): Promise<Secret | null> {
  const signal = options.abortSignal;
  const id = toSecretId(key, session.mapping);
  if (options.version !== undefined && !VERSION_NUMBER.test(options.version)) return null;
  const secretName = await session.secretName(id);
  const versionName = `${secretName}/versions/${options.version ?? 'latest'}`;
  let accessed: AccessResponse;
  let secret: WireSecret;
  try {
    [[accessed], [secret]] = await Promise.all([
      session.call(
        'read',
        key,
        signal,
        (rpc) => rpc.accessSecretVersion({ name: versionName }, session.callOptions()),
        { raw: [Code.NOT_FOUND] },
      ),
      session.call('read', key, signal, (rpc) => rpc.getSecret({ name: secretName }, session.callOptions()), {
        raw: [Code.NOT_FOUND],
      }),
    ]);
  } catch (error) {
    if (grpcCode(error) === Code.NOT_FOUND) return null;
    throw error;
  }
  if (!accessed || !secret) return null;
  const version = lastSegment(accessed.name);
  const data = Buffer.from((accessed.payload?.data as Uint8Array | null | undefined) ?? new Uint8Array());
  const reported = accessed.payload?.dataCrc32c;
  if (
    session.verifyChecksums &&
    reported !== undefined &&
    reported !== null &&
    Number(String(reported)) !== crc32c(data)
  ) {
    session.counters.integrityFailures++;
    throw new IntegrityError(
      `secret '${key}' version ${version} from gcp provider '${session.name}' failed its CRC32C check: the payload was corrupted in transit or storage`,
      key,
    );
  }
  // Best effort: the version's own date; the secret's serves without it.
  const versionMeta = await session
    .call('read', key, signal, (rpc) =>
      rpc.getSecretVersion({ name: `${secretName}/versions/${version}` }, session.callOptions()),
    )
    .then(
      ([v]) => v,
      () => undefined,
    );
  const info = session.info(key, secret, version, toDate(versionMeta?.createTime));
  return createSecret({ ...info, value: data.toString('utf8') });
}

/** The secrets whose names start with the prefix, sorted by name; the server narrows by a `name:` filter. */
export async function listSecrets(session: GcpSession, options: ProviderListOptions): Promise<SecretInfo[]> {
  const signal = options.abortSignal;
  const project = await session.project();
  const prefix = options.prefix ?? '';
  // `name:` is a substring filter: it narrows the listing on the server; the prefix is checked here.
  let filter: string | undefined;
  if (prefix) {
    const idPrefix =
      session.mapping === 'escape'
        ? prefix.replace(/[_/.]/g, (c) => ({ _: '__', '/': '_-', '.': '_d' })[c]!)
        : prefix;
    filter = /^[a-zA-Z0-9_-]+$/.test(idPrefix) ? `name:"${idPrefix}"` : undefined;
  }
  // A retry starts the listing again: pages are read until the end each time.
  const results = await session.call('list', undefined, signal, async (rpc) => {
    const found: SecretInfo[] = [];
    const iterable = rpc.listSecretsAsync(
      { parent: `projects/${project}`, pageSize: 250, ...(filter ? { filter } : {}) },
      { ...session.callOptions(), autoPaginate: false },
    );
    for await (const secret of iterable) {
      const key = fromSecretId(lastSegment(secret.name), session.mapping);
      if (key === null || !key.startsWith(prefix)) continue;
      // Listing gives no version numbers; `latest` is what a read without a version serves.
      found.push(session.info(key, secret, 'latest'));
    }
    return found;
  });
  return results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
