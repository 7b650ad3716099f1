import {
  createProviderFromSpec,
  isExpired,
  mergeListings,
  type ProviderConfig,
  type SecretInfo,
  type SecretProvider,
} from '@hush/core';
import envProvider from '@hush/provider-env';
import localProvider, {
  isLocalSecretProvider,
  type ListingColumns,
  type ListingSpans,
  type LocalSecretProvider,
} from '@hush/provider-local';
import type { DirectSettings } from './settings.js';

/** The providers the direct path creates itself: the ones built into the command. */
const BUILT_IN = { local: localProvider, env: envProvider };

/**
 * Whether the manager would ask this provider exactly as the direct path does: a built-in kind,
 * in the order written (no priority), with no call timeout to apply.
 */
const plain = (spec: ProviderConfig): boolean =>
  Object.hasOwn(BUILT_IN, spec.kind) &&
  spec.module === undefined &&
  spec.priority === undefined &&
  spec.timeout === undefined;

/**
 * The environment's first `count` providers (all of them by default), created and initialised
 * as the manager would create them, when each is plain; undefined otherwise.
 */
export async function directProviders(
  { config, environment }: DirectSettings,
  count = environment.providers.length,
): Promise<DirectProviders | undefined> {
  if (!environment.providers.every(plain)) return undefined;
  const specs = environment.providers.slice(0, count);
  const providers = await Promise.all(
    specs.map((spec) =>
      createProviderFromSpec(
        withSyncReads(spec),
        { name: spec.name, root: config.root, env: process.env },
        { root: config.root, builtinProviders: BUILT_IN },
      ),
    ),
  );
  return new DirectProviders(providers);
}

/**
 * A local store read on the calling thread (`syncReads`), unless the configuration says
 * otherwise: a direct command reads once and exits, with nothing else for the event loop to do
 * while the files are read, so the thread pool's round trips would only be waited for.
 */
const withSyncReads = (spec: ProviderConfig): ProviderConfig =>
  spec.kind === 'local' ? { ...spec, options: { syncReads: true, ...spec.options } } : spec;

/** Providers in chain order, initialised before use and disposed of together. */
export class DirectProviders {
  readonly #started = new Set<SecretProvider>();

  constructor(readonly providers: readonly SecretProvider[]) {}

  /** Initialises each not yet initialised, but `except` (as the manager does before a provider's first call). */
  async start(except?: SecretProvider): Promise<void> {
    for (const provider of this.providers) {
      if (provider === except || this.#started.has(provider)) continue;
      this.#started.add(provider);
      await provider.initialize?.();
    }
  }

  /** The chain's listing: each provider that lists, merged as the manager merges them. */
  async list(): Promise<SecretInfo[]> {
    const listing = this.providers.filter((provider) => provider.capabilities.list);
    return mergeListings(await Promise.all(listing.map((provider) => provider.list!())));
  }

  /**
   * The chain's listing as one local store's columns, when that store is the only provider with
   * anything to list (then the merge would keep its list as it is, less what has expired);
   * undefined otherwise.
   */
  async listColumns(): Promise<{ provider: string; columns: ListingColumns } | undefined> {
    const store = await this.#soleStore();
    if (!store) return undefined;
    return { provider: store.name, columns: unexpired(await store.listColumns(), Date.now()) };
  }

  /**
   * The same listing as places in the store file's text (`listSpans`), when it can be given so.
   * The store is not initialised first: a listing that answers has checked the key and the file as
   * `initialize` would, and one that does not is answered by `start` and `listColumns`.
   */
  async listSpans(): Promise<{ provider: string; spans: ListingSpans } | undefined> {
    const store = await this.#soleStore();
    // Another copy of the package may predate listSpans.
    if (!store || typeof store.listSpans !== 'function') return undefined;
    const spans = await store.listSpans();
    return spans && { provider: store.name, spans: unexpiredSpans(spans, Date.now()) };
  }

  /** The one local store of the chain that lists, when every other provider (initialised) lists nothing. */
  async #soleStore(): Promise<LocalSecretProvider | undefined> {
    const listing = this.providers.filter((provider) => provider.capabilities.list);
    // Another copy of the package may predate listColumns.
    const stores = listing.filter(isLocalSecretProvider).filter((p) => typeof p.listColumns === 'function');
    if (stores.length !== 1) return undefined;
    const store = stores[0]!;
    await this.start(store);
    const others = await Promise.all(listing.filter((p) => p !== store).map((p) => p.list!()));
    return others.some((list) => list.length > 0) ? undefined : store;
  }

  async dispose(): Promise<void> {
    for (const provider of this.providers) await provider.dispose?.().catch(() => undefined);
  }
}

/** The rows of `columns` whose current version has not expired by `now`, as the merge keeps them. */
function unexpired(columns: ListingColumns, now: number): ListingColumns {
  const expired = (i: number) => {
    const at = columns.expiresAt[i];
    return at !== undefined && isExpired({ expiresAt: new Date(at) }, now);
  };
  if (!columns.expiresAt.some((_, i) => expired(i))) return columns;
  const kept = columns.keys.map((_, i) => i).filter((i) => !expired(i));
  return {
    keys: kept.map((i) => columns.keys[i]!),
    versions: kept.map((i) => columns.versions[i]!),
    updatedAt: kept.map((i) => columns.updatedAt[i]!),
    expiresAt: kept.map((i) => columns.expiresAt[i]),
    tags: kept.map((i) => columns.tags[i]),
  };
}

/** The secrets of `spans` whose current version has not expired by `now`, as the merge keeps them. */
function unexpiredSpans(spans: ListingSpans, now: number): ListingSpans {
  const { text, count, expiresAt } = spans;
  const expired = (i: number) => {
    const at = expiresAt[i]!;
    return (
      at >= 0 && isExpired({ expiresAt: new Date(String.fromCharCode(...text.subarray(at, at + 24))) }, now)
    );
  };
  // Most listings have nothing expired: they are kept as they are.
  let first = 0;
  while (first < count && !expired(first)) first++;
  if (first === count) return spans;
  const kept: number[] = [];
  for (let i = 0; i < count; i++) if (!expired(i)) kept.push(i);
  const keep = (column: Int32Array) => Int32Array.from(kept, (i) => column[i]!);
  return {
    text,
    count: kept.length,
    nameStart: keep(spans.nameStart),
    nameEnd: keep(spans.nameEnd),
    versionStart: keep(spans.versionStart),
    versionEnd: keep(spans.versionEnd),
    updatedAt: keep(spans.updatedAt),
    expiresAt: keep(expiresAt),
  };
}
