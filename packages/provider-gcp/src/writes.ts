import type { protos } from '@google-cloud/secret-manager';
import {
  mapConcurrent,
  type ProviderDeleteOptions,
  type ProviderSetOptions,
  type SecretInfo,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import { crc32c } from './crc32c.js';
import {
  Code,
  grpcCode,
  lastSegment,
  toDate,
  toLabels,
  toSecretId,
  toTimestamp,
  type WireSecret,
} from './mapping.js';
import { BATCH_CONCURRENCY } from './reads.js';
import type { GcpSession } from './session.js';
import { latestVersionNumber, listSecretVersions } from './versions.js';

type WireVersion = protos.google.cloud.secretmanager.v1.ISecretVersion;

/** What a secret is created with, and what a write to an existing one updates. */
interface SecretFields {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  expiresAt?: Date;
}

/**
 * Adds a version (creating the secret when it is missing), then updates the secret's labels,
 * annotations and expiry when the write gives them; `expectedVersion` is checked first.
 */
export async function writeSecret(
  session: GcpSession,
  key: string,
  value: string,
  options: ProviderSetOptions,
): Promise<SecretInfo> {
  const signal = options.abortSignal;
  const id = toSecretId(key, session.mapping);
  if (typeof value !== 'string') throw new ValidationError(`the value of secret '${key}' must be a string`);
  const labels = options.tags ? toLabels(options.tags) : undefined;
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now())
    throw new ValidationError(
      `expiry of secret '${key}' must be in the future (GCP deletes a secret at its expire time)`,
    );
  const project = await session.project();
  const secretName = `projects/${project}/secrets/${id}`;
  const annotations = options.metadata ? { ...options.metadata } : undefined;

  let created = false;
  const init: SecretFields = { labels, annotations, expiresAt: options.expiresAt };
  if (options.expectedVersion === '0') {
    created = await createSecret(session, key, project, id, init, signal);
    if (!created) throw new VersionConflictError(key);
  } else if (options.expectedVersion !== undefined) {
    // Secret Manager has no compare-and-set on AddSecretVersion: check the newest version first (best effort).
    const current = await latestVersionNumber(session, key, secretName, signal);
    if (current !== options.expectedVersion) throw new VersionConflictError(key);
  }

  const data = Buffer.from(value, 'utf8');
  const payload = { data, dataCrc32c: crc32c(data) };
  const addVersion = (raw: readonly number[] = []) =>
    session.call(
      'write',
      key,
      signal,
      (rpc) => rpc.addSecretVersion({ parent: secretName, payload }, session.callOptions()),
      { raw },
    );
  let added: WireVersion;
  try {
    [added] = await addVersion([Code.NOT_FOUND]);
  } catch (error) {
    if (grpcCode(error) !== Code.NOT_FOUND) throw error;
    created = (await createSecret(session, key, project, id, init, signal)) || created;
    [added] = await addVersion();
  }

  // A secret just created already has its fields.
  const secret = await updateSecret(session, key, secretName, created ? {} : init, signal);
  const version = lastSegment(added.name);
  if (options.expirePreviousVersions) await disableOlderVersions(session, key, secretName, version, signal);
  return session.info(key, secret, version, toDate(added.createTime));
}

/** Deletes the secret and every version; false when there was none. */
export async function deleteSecret(
  session: GcpSession,
  key: string,
  options: ProviderDeleteOptions,
): Promise<boolean> {
  const signal = options.abortSignal;
  const name = await session.secretName(toSecretId(key, session.mapping));
  try {
    await session.call('delete', key, signal, (rpc) => rpc.deleteSecret({ name }, session.callOptions()), {
      raw: [Code.NOT_FOUND],
    });
    return true;
  } catch (error) {
    if (grpcCode(error) === Code.NOT_FOUND) return false;
    throw error;
  }
}

/** Updates the fields given (only those, by update mask) and returns the secret; reads it when none is given. */
async function updateSecret(
  session: GcpSession,
  key: string,
  secretName: string,
  fields: SecretFields,
  signal: AbortSignal | undefined,
): Promise<WireSecret> {
  const { labels, annotations, expiresAt } = fields;
  const paths: string[] = [];
  if (labels) paths.push('labels');
  if (annotations) paths.push('annotations');
  if (expiresAt) paths.push('expire_time');
  if (paths.length === 0) {
    const [secret] = await session.call('write', key, signal, (rpc) =>
      rpc.getSecret({ name: secretName }, session.callOptions()),
    );
    return secret;
  }
  const [secret] = await session.call('write', key, signal, (rpc) =>
    rpc.updateSecret(
      {
        secret: {
          name: secretName,
          ...(labels ? { labels } : {}),
          ...(annotations ? { annotations } : {}),
          ...(expiresAt ? { expireTime: toTimestamp(expiresAt) } : {}),
        },
        updateMask: { paths },
      },
      session.callOptions(),
    ),
  );
  return secret;
}

/** Creates the secret; false when another writer created it first. */
async function createSecret(
  session: GcpSession,
  key: string,
  project: string,
  id: string,
  init: SecretFields,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  try {
    await session.call(
      'create',
      key,
      signal,
      (rpc) =>
        rpc.createSecret(
          {
            parent: `projects/${project}`,
            secretId: id,
            secret: {
              replication: { automatic: {} },
              labels: init.labels ?? {},
              annotations: init.annotations ?? {},
              ...(init.expiresAt ? { expireTime: toTimestamp(init.expiresAt) } : {}),
            },
          },
          session.callOptions(),
        ),
      { raw: [Code.ALREADY_EXISTS] },
    );
    return true;
  } catch (error) {
    // Another writer created it first: fine, the version goes to the same secret.
    if (grpcCode(error) === Code.ALREADY_EXISTS) return false;
    throw error;
  }
}

/** Disables every enabled version older than `newest` (expireOldVersion). */
async function disableOlderVersions(
  session: GcpSession,
  key: string,
  secretName: string,
  newest: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const older = (await listSecretVersions(session, key, signal ? { abortSignal: signal } : {})).filter(
    (v) => v.state === 'enabled' && Number(v.version) < Number(newest),
  );
  await mapConcurrent(older, BATCH_CONCURRENCY, (v) =>
    session.call('disable a version of', key, signal, (rpc) =>
      rpc.disableSecretVersion({ name: `${secretName}/versions/${v.version}` }, session.callOptions()),
    ),
  );
}
