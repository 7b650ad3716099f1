import { ListSecretsCommand, type ListSecretsCommandOutput } from '@aws-sdk/client-secrets-manager';
import type { ProviderListOptions, SecretInfo } from '@hush/core';
import { decodeTags, listEntryToInfo, toHushError } from './mapping.js';
import type { AwsSession } from './session.js';

/** Every secret under the provider's prefix (and `options.prefix`), page by page, 100 a page. */
export async function listSecrets(session: AwsSession, options: ProviderListOptions): Promise<SecretInfo[]> {
  const wanted = session.prefix + (options.prefix ?? '');
  const filters = wanted ? [{ Key: 'name' as const, Values: [wanted] }] : undefined;
  const out: SecretInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page: ListSecretsCommandOutput = await session
      .send(
        new ListSecretsCommand({ MaxResults: 100, NextToken: nextToken, Filters: filters, SortOrder: 'asc' }),
        { operation: 'list' },
        options.abortSignal,
      )
      .catch((error) => {
        throw toHushError(error, { provider: session.name, operation: 'list' });
      });
    for (const entry of page.SecretList ?? []) {
      // AWS's name filter matches words by prefix; keep only names that truly start with the prefix.
      if (!entry.Name?.startsWith(wanted)) continue;
      const listed = listEntryToInfo(session.prefix, entry, session.name);
      if (!listed) continue;
      session.metadata.set(entry.Name, {
        tags: decodeTags(entry.Tags),
        createdAt: listed.createdAt,
        updatedAt: listed.updatedAt,
      });
      out.push(listed);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}
