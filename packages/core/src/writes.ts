import type { SecretCache } from './cache.js';
import { parseExpiry } from './duration.js';
import { UnsupportedOperationError, VersionConflictError } from './errors.js';
import type { SecretChange } from './events.js';
import { generateSecretValue } from './generators.js';
import type { Masker } from './masker.js';
import { monotonicMs } from './monotonic.js';
import type { PersistentCache } from './persistent.js';
import { keepPreviousMs, rotationTags } from './previous.js';
import type { ProviderSetOptions } from './provider.js';
import type { ProviderChain } from './routing.js';
import { createSecret, type Secret, type SecretInfo } from './secret.js';
import type { ProviderSlot } from './slot.js';
import { normalizeTags } from './tags.js';
import type { CacheTiers } from './tiers.js';
import type { DeleteSecretOptions, RotateSecretOptions, SetSecretOptions } from './types.js';
import { validateSecretValue } from './values.js';

/** What a write reports back to the manager: the provider's description and what changed. */
export interface WriteResult {
  slot: ProviderSlot;
  info?: SecretInfo;
  change?: SecretChange;
  /** False when a delete or rotate found nothing. */
  found: boolean;
}

/** Values an operation handles that its error must never show (the value written, a generated one). */
export type Protect = (value: string) => void;

/**
 * Writes through the chain's write provider. Each write bumps the secret's cache generation
 * before the provider call and after it, so that no read in flight meanwhile can cache what it
 * read, and every read started after the write resolved asks the providers again. After the
 * call, every cache tier drops the secret (a shared tier tells the rest of the fleet), and so
 * does the persistent tier; a set or rotate that succeeded leaves its new value in the tiers
 * instead, so that the fleet's next reads find it there rather than all asking the provider.
 */
export class WritePath {
  constructor(
    private readonly chain: ProviderChain,
    private readonly cache: SecretCache,
    private readonly masker: Masker,
    private readonly tiers: CacheTiers,
    private readonly persistent?: PersistentCache,
  ) {}

  async set(
    key: string,
    value: string,
    options: SetSecretOptions,
    protect: Protect,
    target: (slot: ProviderSlot) => void,
  ): Promise<WriteResult> {
    validateSecretValue(key, value);
    protect(value);
    const slot = this.chain.writeSlot(options.provider, 'write');
    target(slot);
    const tags = options.tags === undefined ? undefined : normalizeTags(options.tags);
    this.chain.requireOptions(slot, { ...(tags ? { tags } : {}), expiry: options.expiresAt });
    const expiresAt = options.expiresAt !== undefined ? parseExpiry(options.expiresAt) : undefined;
    const setOptions: ProviderSetOptions = {
      ...(tags ? { tags } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
    };
    this.masker.add(value);
    const info = await this.#written(
      key,
      () => slot.call((abortSignal) => slot.provider.set!(key, value, { ...setOptions, abortSignal }), 'set'),
      // A value written to one scope need not be what a plain read is served: dropped only.
      (written) => (options.scope === undefined ? this.#servable(slot, written, value) : undefined),
    );
    return {
      slot,
      info,
      found: true,
      change: changeOf(info, { expiresAt, tags, scope: options.scope }),
    };
  }

  async rotate(
    key: string,
    options: RotateSecretOptions,
    protect: Protect,
    target: (slot: ProviderSlot) => void,
  ): Promise<WriteResult> {
    const slot = this.chain.writeSlot(options.provider, 'rotate');
    target(slot);
    const keepMs = keepPreviousMs(options, slot);
    const current = await slot.call((abortSignal) => slot.provider.get(key, { abortSignal }), 'get');
    if (!current) return { slot, found: false };
    // Checked before a value is generated; the backend checks again as it writes (compare-and-set).
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion)
      throw new VersionConflictError(key);
    const value = options.newValue ?? generateSecretValue(options.generator ?? 'random:32');
    protect(value);
    this.masker.add(value);
    if (options.expiresAt !== undefined) this.chain.requireOptions(slot, { expiry: options.expiresAt });
    const expiresAt = slot.provider.capabilities.expiry ? nextExpiry(options.expiresAt, current) : undefined;
    const tags = slot.provider.capabilities.tags
      ? rotationTags(current, keepMs, this.cache.settings.now())
      : undefined;
    const info = await this.#written(
      key,
      () =>
        slot.call(
          (abortSignal) =>
            slot.provider.set!(key, value, {
              ...(options.expireOldVersion ? { expirePreviousVersions: true } : {}),
              ...(expiresAt ? { expiresAt } : {}),
              ...(tags ? { tags } : {}),
              ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
              abortSignal,
            }),
          'set',
        ),
      (written) => this.#servable(slot, written, value),
    );
    return { slot, info, found: true, change: { ...changeOf(info, { expiresAt }), rotatedAt: new Date() } };
  }

  async rollback(
    key: string,
    target: string,
    pin: string | undefined,
    onSlot: (slot: ProviderSlot) => void,
    askedExpiry?: RotateSecretOptions['expiresAt'],
  ): Promise<WriteResult> {
    const slot = this.chain.writeSlot(pin, 'rollback');
    onSlot(slot);
    if (!slot.provider.capabilities.versions)
      throw new UnsupportedOperationError(
        slot.name,
        'rollback',
        `provider '${slot.name}' keeps no versions to roll back to`,
      );
    if (askedExpiry !== undefined) this.chain.requireOptions(slot, { expiry: askedExpiry });
    // An expiring secret keeps its period: the restored value is written as a new version with it.
    const current = slot.provider.capabilities.expiry
      ? await slot.call((abortSignal) => slot.provider.get(key, { abortSignal }), 'get')
      : null;
    const expiresAt = nextExpiry(askedExpiry, current);
    let info: SecretInfo | undefined;
    if (slot.provider.rollback && !expiresAt)
      info = await this.#written(key, () =>
        slot.call((abortSignal) => slot.provider.rollback!(key, target, { abortSignal }), 'rollback'),
      );
    else {
      const old = await slot.call(
        (abortSignal) => slot.provider.get(key, { version: target, abortSignal }),
        'get',
      );
      if (!old) return { slot, found: false };
      info = await this.#written(key, () =>
        slot.call(
          (abortSignal) =>
            slot.provider.set!(key, old.value, { ...(expiresAt ? { expiresAt } : {}), abortSignal }),
          'set',
        ),
      );
    }
    return {
      slot,
      info,
      found: true,
      change: { ...changeOf(info, { expiresAt }), rotatedAt: new Date(), rolledBackTo: target },
    };
  }

  async delete(
    key: string,
    options: DeleteSecretOptions,
    onSlot: (slot: ProviderSlot) => void,
  ): Promise<WriteResult> {
    const slot = this.chain.writeSlot(options.provider, 'delete');
    onSlot(slot);
    const permanent = options.permanent ?? false;
    const deleted = await this.#written(key, () =>
      slot.call((abortSignal) => slot.provider.delete!(key, { permanent, abortSignal }), 'delete'),
    );
    if (!deleted) return { slot, found: false };
    return { slot, found: true, change: { deleted: true, ...(permanent ? { permanent } : {}) } };
  }

  /**
   * Runs a provider write between two generation bumps of the secret's cache entries. Then the
   * tiers drop the secret, or keep what `kept` makes of the write's answer (never after a failed
   * write: what the provider holds then is unknown).
   */
  async #written<T>(
    key: string,
    write: () => Promise<T>,
    kept?: (result: T) => Kept | undefined,
  ): Promise<T> {
    this.cache.written(key);
    const started = monotonicMs();
    let fill: Kept | undefined;
    try {
      const result = await write();
      fill = kept?.(result);
      return result;
    } finally {
      this.cache.written(key);
      if (!this.tiers.none) await this.#tellTiers(key, fill, monotonicMs() - started);
      if (this.persistent) await this.persistent.forget(key);
    }
  }

  async #tellTiers(key: string, fill: Kept | undefined, writeMs: number): Promise<void> {
    if (!fill) return this.tiers.invalidate(key);
    const freshUntil = this.cache.settings.now() + fill.ttlMs;
    await this.tiers.replace(key, key, fill.secret, freshUntil, writeMs);
  }

  /**
   * What a plain read would now get from `slot`, made of the write's answer and the value
   * written, and how long a read would keep it; undefined when a read would not keep it in the
   * tiers (another provider comes first, its answers are never cached, a lease, caching off).
   */
  #servable(slot: ProviderSlot, info: SecretInfo, value: string): Kept | undefined {
    if (!this.cache.settings.enabled || this.chain.readSlots(undefined, undefined)[0] !== slot)
      return undefined;
    if (slot.cacheTtlMs === 0 || info.lease || info.deleted) return undefined;
    const ttlMs = this.cache.ttlFor(false, slot.cacheTtlMs);
    return ttlMs > 0 ? { secret: createSecret({ ...info, value }), ttlMs } : undefined;
  }
}

/** A written value for the tiers, and how long a read would keep it fresh. */
interface Kept {
  secret: Secret;
  ttlMs: number;
}

function changeOf(
  info: SecretInfo,
  asked: { expiresAt?: Date; tags?: Record<string, string>; scope?: string },
): SecretChange {
  const change: SecretChange = {
    version: info.version,
    expiresAt: info.expiresAt ?? asked.expiresAt ?? null,
  };
  const tags = Object.keys(info.tags ?? {}).length ? info.tags : asked.tags;
  if (tags) change.tags = { ...tags };
  const scope = info.scope ?? asked.scope;
  if (scope !== undefined) change.scope = scope;
  return change;
}

/**
 * The expiry of a new version written by rotate or rollback: the one asked for, else a new period as
 * long as the current version's (from its write to its expiry), else none.
 */
function nextExpiry(
  asked: RotateSecretOptions['expiresAt'],
  current: Pick<SecretInfo, 'expiresAt' | 'updatedAt'> | null,
): Date | undefined {
  if (asked !== undefined) return parseExpiry(asked);
  if (!current?.expiresAt) return undefined;
  const period = Math.round((current.expiresAt.getTime() - current.updatedAt.getTime()) / 1000) * 1000;
  return period > 0 ? new Date(Date.now() + period) : undefined;
}
