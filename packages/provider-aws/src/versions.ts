import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  type ListSecretVersionIdsCommandOutput,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  type ProviderCallOptions,
  SecretNotFoundError,
  type SecretVersion,
  validateSecretName,
} from '@hush/core';
import {
  AWSCURRENT,
  isNotFound,
  isPlausibleVersionId,
  toAwsName,
  toHushError,
  toSecretVersion,
  versionWithLabel,
} from './mapping.js';
import { remember } from './reads.js';
import type { AwsSession } from './session.js';

/** Every version of a secret (deprecated ones included), oldest first; none when it does not exist. */
export async function listSecretVersions(
  session: AwsSession,
  key: string,
  options: ProviderCallOptions,
): Promise<SecretVersion[]> {
  validateSecretName(key);
  const context = { operation: 'listVersions', key };
  const versions: SecretVersion[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page: ListSecretVersionIdsCommandOutput = await session.send(
        new ListSecretVersionIdsCommand({
          SecretId: toAwsName(session.prefix, key),
          IncludeDeprecated: true,
          MaxResults: 100,
          NextToken: nextToken,
        }),
        context,
        options.abortSignal,
      );
      for (const entry of page.Versions ?? []) {
        const version = toSecretVersion(entry);
        if (version) versions.push(version);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw toHushError(error, { provider: session.name, ...context });
  }
  // Oldest first; AWS lists newest first, so reverse before the (stable) sort keeps same-second writes in order.
  return versions.reverse().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** Moves AWSCURRENT to `version` (AWSPREVIOUS then labels the version that was current). */
export async function moveCurrentTo(
  session: AwsSession,
  key: string,
  version: string,
  options: ProviderCallOptions,
): Promise<void> {
  validateSecretName(key);
  const secretId = toAwsName(session.prefix, key);
  const context = { operation: 'rollback', key, version };
  if (!isPlausibleVersionId(version)) throw new SecretNotFoundError(key, { provider: session.name, version });
  try {
    const signal = options.abortSignal;
    const described = await session.send(new DescribeSecretCommand({ SecretId: secretId }), context, signal);
    remember(session, secretId, described);
    const current = versionWithLabel(described.VersionIdsToStages);
    if (current !== version)
      await session.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: AWSCURRENT,
          MoveToVersionId: version,
          ...(current ? { RemoveFromVersionId: current } : {}),
        }),
        context,
        signal,
      );
  } catch (error) {
    throw toHushError(error, { provider: session.name, ...context });
  }
}
