import { isDeepStrictEqual } from 'node:util';
import type { ProviderConfig } from '@hush/core';

/**
 * The providers whose cache a reload keeps: those configured exactly as before, from the top of
 * the chain down to the first change. A provider after a changed (or added) one might now be
 * shadowed by it, so its entries go too.
 */
export function unchangedProviders(
  before: ProviderConfig[] | undefined,
  after: ProviderConfig[] | undefined,
): string[] {
  if (!before || !after) return [];
  const byPriority = (list: ProviderConfig[]) =>
    list
      .map((p, order) => ({ p, order }))
      .sort((a, b) => (b.p.priority ?? -Infinity) - (a.p.priority ?? -Infinity) || a.order - b.order)
      .map(({ p }) => p);
  const old = byPriority(before);
  const next = byPriority(after);
  const kept: string[] = [];
  for (let i = 0; i < next.length && i < old.length; i++) {
    if (!isDeepStrictEqual(old[i], next[i])) break;
    kept.push(next[i]!.name);
  }
  return kept;
}
