import { type ProviderFailure, ProviderUnavailableError, UnsupportedOperationError } from './errors.js';
import { matchesGlob } from './glob.js';
import type { ProviderChain } from './routing.js';
import { isExpired, type SecretInfo, type SecretVersion } from './secret.js';
import { isDefinitive, offlineMiss } from './slot.js';
import { tagsMatch } from './tags.js';
import type { ListSecretsOptions } from './types.js';

/** The descriptions of the persistent copies, for a provider that failed or is not contacted. */
export type CopiesOf = (provider: string) => Promise<SecretInfo[]>;

/**
 * Names and metadata from every provider that lists (or the pinned one), the first provider
 * winning on a name; filtered by prefix, glob, scope, tags and expiry; sorted by name (UTF-16
 * code units). A provider that fails (or, offline, is not contacted) is skipped, or stands in by
 * its persistent copies when there are some; all failing without copies is a
 * `ProviderUnavailableError`.
 */
export async function listAcross(
  chain: ProviderChain,
  opts: ListSecretsOptions,
  copiesOf?: CopiesOf,
): Promise<SecretInfo[]> {
  const slots = opts.provider
    ? [chain.slot(opts.provider)]
    : chain.slots.filter((slot) => slot.provider.capabilities.list);
  if (opts.provider && !slots[0]!.provider.capabilities.list)
    throw new UnsupportedOperationError(opts.provider, 'list');
  const prefix = opts.prefix ?? literalPrefix(opts.pattern);
  const lists: SecretInfo[][] = [];
  const failures: ProviderFailure[] = [];
  const add = (listed: SecretInfo[]) => lists.push(listed);
  let covered = 0;
  for (const slot of slots) {
    if (slot.unreachable) {
      const copies = (await copiesOf?.(slot.name)) ?? [];
      if (copies.length) covered++;
      else failures.push(offlineMiss(slot.name, copiesOf !== undefined));
      add(copies);
      continue;
    }
    try {
      add(
        await slot.call(
          (abortSignal) => slot.provider.list!(prefix ? { prefix, abortSignal } : { abortSignal }),
          'list',
        ),
      );
      slot.markSuccess();
    } catch (error) {
      if (isDefinitive(error)) throw error;
      failures.push(slot.markFailure(error));
      const copies = slot.local ? [] : ((await copiesOf?.(slot.name)) ?? []);
      if (copies.length) covered++;
      add(copies);
    }
  }
  if (slots.length > 0 && failures.length === slots.length && covered === 0)
    throw new ProviderUnavailableError('no provider could list secrets', failures);
  return mergeListings(lists, opts);
}

/**
 * One listing from the lists of a chain's providers, given in chain order: the first provider
 * winning on a name; filtered by prefix, glob, scope, tags and expiry (expired entries only with
 * `includeExpired`); sorted by name in UTF-16 code-unit order. This is the listing
 * `SecretManager.listSecrets` returns before plugins filter it, for a tool that asks providers
 * itself.
 */
export function mergeListings(lists: readonly SecretInfo[][], opts: ListSecretsOptions = {}): SecretInfo[] {
  const listed = lists.filter((list) => list.length > 0);
  return firstOfEachName(sortedByKey(listed.length === 1 ? listed[0]! : listed.flat()), opts);
}

/**
 * The first entry of each name that passes the filters. The entries are sorted by name with the
 * providers' order kept among equal names, so the first of a name is the first provider's: it
 * alone is filtered, as a later provider's entry of a name never stands in for it.
 */
function firstOfEachName(sorted: SecretInfo[], opts: ListSecretsOptions): SecretInfo[] {
  const now = Date.now();
  const { prefix, pattern, scope, tags, includeExpired } = opts;
  const kept: SecretInfo[] = [];
  let previous: string | undefined;
  for (const info of sorted) {
    if (info.key === previous) continue;
    previous = info.key;
    if (
      (!prefix || info.key.startsWith(prefix)) &&
      (!pattern || matchesGlob(info.key, pattern)) &&
      (scope === undefined || (info.scope ?? 'global') === scope) &&
      tagsMatch(info.tags, tags) &&
      (includeExpired || !isExpired(info, now))
    )
      kept.push(info);
  }
  return kept;
}

/**
 * `entries` sorted by key in UTF-16 code-unit order, stably: the same on every machine (a
 * locale's collation is not), and no ICU collator to load, which costs a short command more than
 * the listing itself. Sorted already (a store lists in order) costs one comparison per entry
 * and no copy; otherwise a sorted copy.
 */
export function sortedByKey<T extends { key: string }>(entries: T[]): T[] {
  for (let i = 1; i < entries.length; i++)
    if (entries[i - 1]!.key > entries[i]!.key)
      return [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return entries;
}

/** A secret's history from the first provider that keeps versions and has it; undefined when none has. */
export async function versionsAcross(
  chain: ProviderChain,
  key: string,
  pin: string | undefined,
): Promise<{ provider: string; versions: SecretVersion[] } | undefined> {
  const failures: ProviderFailure[] = [];
  for (const slot of chain.versionSlots(pin)) {
    try {
      const versions = await slot.call(
        (abortSignal) => slot.provider.listVersions!(key, { abortSignal }),
        'listVersions',
      );
      slot.markSuccess();
      if (versions.length > 0) return { provider: slot.name, versions };
    } catch (error) {
      if (isDefinitive(error)) throw error;
      failures.push(slot.markFailure(error));
    }
  }
  if (failures.length)
    throw new ProviderUnavailableError(`could not list the versions of '${key}'`, failures);
  return undefined;
}

/** The fixed start of a glob, pushed to providers as a prefix. */
function literalPrefix(pattern: string | undefined): string | undefined {
  if (!pattern) return undefined;
  const wildcard = pattern.search(/[*?[{\\]/);
  const prefix = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
  return prefix || undefined;
}
