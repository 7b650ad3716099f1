import { resolve } from 'node:path';
import type { CacheTier, CacheTierEntry } from './cache-tier.js';
import type { PersistentCacheStatus } from './controls.js';
import { parseDuration } from './duration.js';
import { FileCacheTier } from './file-tier.js';
import { defaultMachineKeyFile, loadMachineKey } from './machine-key.js';
import type { PersistentCacheOptions } from './manager-options.js';
import type { PersistentCacheMetrics } from './reports.js';
import type { Secret, SecretInfo } from './secret.js';
import { TierSealer } from './tier-seal.js';
import type { TierHit } from './tiers.js';

const DEFAULT_MAX_AGE = '24h';

export interface PersistentCacheSettings {
  tier: CacheTier;
  /** The sealing key, asked for on first use (a key file is created then). */
  key: () => string | Uint8Array;
  environment: string;
  maxAgeMs: number;
  now: () => number;
  warn: (message: string) => void;
  /** Shown by `status` (the tier's folder). */
  location?: string;
}

/** Builds the file tier and its machine key from `cache.persistent`. */
export function createPersistentCache(
  options: PersistentCacheOptions,
  context: { environment: string; now: () => number; warn: (message: string) => void },
): PersistentCache {
  const maxAgeMs = parseDuration(options.ttl ?? DEFAULT_MAX_AGE);
  let cache: PersistentCache | undefined;
  const tier = new FileCacheTier({
    path: resolve(options.path),
    environment: context.environment,
    now: context.now,
    onCorrupt: (problem) =>
      cache?.corrupt(problem.name ?? problem.file, `${problem.file}: ${problem.reason}`),
  });
  const keyFile = options.keyFile ?? defaultMachineKeyFile();
  cache = new PersistentCache({
    tier,
    key: () => options.key ?? loadMachineKey(keyFile),
    environment: context.environment,
    maxAgeMs,
    now: context.now,
    warn: context.warn,
    location: tier.folder,
  });
  return cache;
}

/**
 * The persistent tier as the manager uses it: never asked while a provider answers, only when
 * every provider failed (or in offline mode), and never for more than its maximum age. Entries
 * are sealed with the same sealer as every cache tier (AES-256-GCM, AAD = environment, name,
 * version) under a machine-local key. Writes run in the background, in order per secret, so a
 * read never waits for the disk and a drop always lands after the fill it follows.
 */
export class PersistentCache {
  readonly counts: PersistentCacheMetrics = {
    hits: 0,
    writes: 0,
    deletes: 0,
    errors: 0,
    tampered: 0,
    tooOld: 0,
  };
  readonly #queues = new Map<string, Promise<void>>();
  readonly #warned = new Set<string>();
  #sealer?: TierSealer;
  /** Set when the key cannot be had: the tier is then left alone. */
  #broken = false;

  constructor(readonly settings: PersistentCacheSettings) {}

  get maxAgeMs(): number {
    return this.settings.maxAgeMs;
  }

  /**
   * Keeps what a provider served, unless `current()` says a write came in between. A leased
   * (dynamic) value is never written to disk: it is a credential that lives only while its lease does.
   */
  remember(name: string, key: string, secret: Secret, current: () => boolean): void {
    if (secret.lease) return;
    // Its age counts from now, when the provider served it, not from when the disk write runs.
    const now = this.settings.now();
    void this.#enqueue(name, async () => {
      if (!current()) return;
      const sealer = this.#sealerOrNone();
      if (!sealer) return;
      const entry: CacheTierEntry = {
        sealed: sealer.seal(name, secret),
        version: secret.version,
        fetchedAt: now,
        freshUntil: now + this.settings.maxAgeMs,
      };
      await this.settings.tier.set(name, key, entry);
      this.counts.writes++;
    });
  }

  /**
   * The kept copy of a read, when there is one younger than the maximum age that opens, with
   * the moment it reaches that age.
   */
  async recall(name: string, key: string): Promise<TierHit | undefined> {
    await this.#queues.get(name);
    const sealer = this.#sealerOrNone();
    if (!sealer) return undefined;
    let entry: CacheTierEntry | undefined;
    try {
      entry = await this.settings.tier.get(name, key);
    } catch (error) {
      this.#failed(name, error);
      return undefined;
    }
    if (!entry) return undefined;
    if (!this.#young(entry)) {
      this.counts.tooOld++;
      return undefined;
    }
    try {
      const secret = sealer.open(name, entry.version, entry.sealed);
      this.counts.hits++;
      return {
        secret,
        freshUntil: Math.min(entry.freshUntil, this.#fetchedAt(entry) + this.settings.maxAgeMs),
      };
    } catch {
      this.corrupt(
        name,
        `the entry of '${name}' failed authentication (edited, moved, or sealed under another key)`,
      );
      return undefined;
    }
  }

  /** Drops every entry of a secret (after any fill of it still on its way). */
  forget(name: string): Promise<void> {
    return this.#enqueue(name, async () => {
      await this.settings.tier.delete(name);
      this.counts.deletes++;
    });
  }

  /** The descriptions of the plain reads kept (for listing in offline mode), young and whole only. */
  async infos(): Promise<SecretInfo[]> {
    const sealer = this.#sealerOrNone();
    if (!sealer || !this.settings.tier.entries) return [];
    await this.flush();
    const infos: SecretInfo[] = [];
    for (const { name, key, entry } of await this.settings.tier.entries()) {
      if (key !== name || !this.#young(entry)) continue;
      try {
        infos.push(sealer.open(name, entry.version, entry.sealed).toInfo());
      } catch {
        this.corrupt(name, `the entry of '${name}' failed authentication`);
      }
    }
    return infos;
  }

  /** For one listing: each provider's copies, the entries opened once. */
  lister(): (provider: string) => Promise<SecretInfo[]> {
    let infos: Promise<SecretInfo[]> | undefined;
    return async (provider) => {
      infos ??= this.infos();
      return (await infos).filter((info) => info.provider === provider);
    };
  }

  /** Names, versions, providers and ages of every entry; never a value. */
  async status(): Promise<PersistentCacheStatus> {
    await this.flush();
    const now = this.settings.now();
    const sealer = this.#sealerOrNone();
    const listed = (await this.settings.tier.entries?.()) ?? [];
    const entries = listed.map(({ name, key, entry }) => {
      const fetchedAt = this.#fetchedAt(entry);
      let provider: string | undefined;
      let valid = false;
      try {
        if (sealer) provider = sealer.open(name, entry.version, entry.sealed).provider;
        valid = sealer !== undefined;
      } catch {
        this.counts.tampered++;
      }
      const form = keyForm(name, key);
      return {
        name,
        version: entry.version,
        ...(form.version !== undefined ? { pinnedVersion: form.version } : {}),
        ...(form.pin !== undefined ? { pin: form.pin } : {}),
        ...(provider !== undefined ? { provider } : {}),
        fetchedAt: new Date(fetchedAt),
        ageMs: Math.max(0, now - fetchedAt),
        expired: !this.#young(entry),
        valid,
      };
    });
    entries.sort((a, b) => a.name.localeCompare(b.name) || a.fetchedAt.getTime() - b.fetchedAt.getTime());
    return {
      ...(this.settings.location ? { path: this.settings.location } : {}),
      maxAgeMs: this.settings.maxAgeMs,
      entries,
      tampered: this.counts.tampered,
    };
  }

  /** Drops every entry, or one secret's; resolves to how many went. */
  async clear(name?: string): Promise<number> {
    await this.flush();
    return (await this.settings.tier.clear?.(name)) ?? 0;
  }

  /** Waits for every write still on its way. */
  async flush(): Promise<void> {
    while (this.#queues.size) await Promise.all(this.#queues.values());
  }

  /** A file or an entry that is not what it should be: counted, warned once, never served. */
  corrupt(subject: string, detail: string): void {
    this.counts.tampered++;
    this.#warnOnce(`tampered:${subject}`, `ignored a persistent cache entry: ${detail}`);
  }

  #young(entry: CacheTierEntry): boolean {
    const now = this.settings.now();
    return entry.freshUntil > now && now - this.#fetchedAt(entry) < this.settings.maxAgeMs;
  }

  #fetchedAt(entry: CacheTierEntry): number {
    return entry.fetchedAt ?? entry.freshUntil - this.settings.maxAgeMs;
  }

  #sealerOrNone(): TierSealer | undefined {
    if (this.#sealer || this.#broken) return this.#sealer;
    try {
      this.#sealer = new TierSealer(this.settings.key(), this.settings.environment);
    } catch (error) {
      this.#broken = true;
      this.counts.errors++;
      this.#warnOnce('key', `the persistent cache is off: ${(error as Error).message}`);
    }
    return this.#sealer;
  }

  #failed(name: string, error: unknown): void {
    this.counts.errors++;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    this.#warnOnce(`failed:${name}`, `the persistent cache could not be used for '${name}' (${code})`);
  }

  #warnOnce(id: string, message: string): void {
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    this.settings.warn(message);
  }

  #enqueue(name: string, work: () => Promise<void>): Promise<void> {
    const next = (this.#queues.get(name) ?? Promise.resolve())
      .then(work)
      .catch((error) => this.#failed(name, error));
    this.#queues.set(name, next);
    void next.then(() => {
      if (this.#queues.get(name) === next) this.#queues.delete(name);
    });
    return next;
  }
}

/** A cache key's read: the bare name, or `pin NUL name NUL version`. */
function keyForm(name: string, key: string): { version?: string; pin?: string } {
  if (key === name) return {};
  const [pin, , version] = key.split('\u0000');
  return {
    ...(version ? { version } : {}),
    ...(pin && pin !== '*' ? { pin } : {}),
  };
}
