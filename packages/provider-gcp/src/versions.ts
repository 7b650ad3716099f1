import { type ProviderCallOptions, type SecretVersion, ValidationError } from '@hush/core';
import { Code, grpcCode, lastSegment, toSecretId, toSecretVersion } from './mapping.js';
import { VERSION_NUMBER } from './reads.js';
import type { GcpSession } from './session.js';

/** Every version, newest first; `latest` (the newest, whatever its state) marked current. */
export async function listSecretVersions(
  session: GcpSession,
  key: string,
  options: ProviderCallOptions,
): Promise<SecretVersion[]> {
  const name = await session.secretName(toSecretId(key, session.mapping));
  let versions: SecretVersion[];
  try {
    versions = await session.call(
      'list versions of',
      key,
      options.abortSignal,
      async (rpc) => {
        const found: SecretVersion[] = [];
        for await (const v of rpc.listSecretVersionsAsync(
          { parent: name, pageSize: 250 },
          { ...session.callOptions(), autoPaginate: false },
        ))
          found.push(toSecretVersion(v));
        return found;
      },
      { raw: [Code.NOT_FOUND] },
    );
  } catch (error) {
    if (grpcCode(error) === Code.NOT_FOUND) return [];
    throw error;
  }
  versions.sort((a, b) => Number(b.version) - Number(a.version));
  // `latest` is the newest version whatever its state: that is what a read without a version gets.
  if (versions[0]) versions[0].current = true;
  return versions;
}

/** Disables, enables or destroys one version. */
export async function changeVersion(
  session: GcpSession,
  key: string,
  version: string,
  action: 'disable' | 'enable' | 'destroy',
  signal?: AbortSignal,
): Promise<SecretVersion> {
  const id = toSecretId(key, session.mapping);
  if (!VERSION_NUMBER.test(version))
    throw new ValidationError(`version '${version}' of secret '${key}' is not a version number`);
  const name = `${await session.secretName(id)}/versions/${version}`;
  const [result] = await session.call(`${action} a version of`, key, signal, (rpc) => {
    if (action === 'disable') return rpc.disableSecretVersion({ name }, session.callOptions());
    if (action === 'enable') return rpc.enableSecretVersion({ name }, session.callOptions());
    return rpc.destroySecretVersion({ name }, session.callOptions());
  });
  return toSecretVersion(result);
}

/** The newest version's number, `'0'` when the secret does not exist. */
export async function latestVersionNumber(
  session: GcpSession,
  key: string,
  secretName: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  try {
    const [version] = await session.call(
      'read',
      key,
      signal,
      (rpc) => rpc.getSecretVersion({ name: `${secretName}/versions/latest` }, session.callOptions()),
      { raw: [Code.NOT_FOUND] },
    );
    return lastSegment(version.name);
  } catch (error) {
    if (grpcCode(error) === Code.NOT_FOUND) return '0';
    throw error;
  }
}
