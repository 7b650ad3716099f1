import { ConfigError, UnsupportedOperationError } from './errors.js';
import type { SecretManagerOptions } from './manager-options.js';
import type { Masker } from './masker.js';
import type { MetricsRecorder } from './metrics.js';
import type { ProviderCapabilities } from './provider.js';
import { offlineError, ProviderSlot } from './slot.js';
import type { Duration } from './types.js';

export type WriteOperation = 'write' | 'delete' | 'rotate' | 'rollback';

/** The providers in the order reads ask them, and the rules for picking one. */
export class ProviderChain {
  readonly slots: ProviderSlot[];
  readonly #byName = new Map<string, ProviderSlot>();
  /** Aliases, and every provider that claims each (an alias claimed twice names neither). */
  readonly #aliases = new Map<string, ProviderSlot[]>();
  readonly defaultWriteProvider?: string;
  /** Offline mode: providers that need the network are never called. */
  readonly offline: boolean;

  constructor(options: SecretManagerOptions, timeout: Duration, metrics: MetricsRecorder, masker: Masker) {
    if (!options || !Array.isArray(options.providers) || options.providers.length === 0)
      throw new ConfigError('a secret manager needs at least one provider', { path: 'providers' });
    this.slots = options.providers
      .map(
        (registration, order) =>
          new ProviderSlot(registration, order, timeout, metrics, masker, options.offline === true),
      )
      .sort((a, b) => (a.priority === b.priority ? a.order - b.order : b.priority - a.priority));
    for (const slot of this.slots) {
      if (this.#byName.has(slot.name))
        throw new ConfigError(`two providers are named '${slot.name}'`, {
          path: 'providers',
          hint: 'give each provider a distinct name',
        });
      this.#byName.set(slot.name, slot);
    }
    for (const slot of this.slots)
      for (const alias of slot.provider.aliases ?? []) {
        if (this.#byName.has(alias)) continue;
        const claimed = this.#aliases.get(alias) ?? [];
        this.#aliases.set(alias, [...claimed, slot]);
      }
    const write = options.defaultWriteProvider;
    if (write !== undefined && !this.find(write))
      throw new ConfigError(
        `defaultWriteProvider '${write}' is not one of the providers (${this.names.join(', ')})`,
        { path: 'defaultWriteProvider' },
      );
    this.defaultWriteProvider = write === undefined ? undefined : this.find(write)!.name;
    this.offline = options.offline === true;
  }

  get names(): string[] {
    return this.slots.map((slot) => slot.name);
  }

  /** The provider of this name, or the one provider with this alias. */
  find(name: string): ProviderSlot | undefined {
    const slot = this.#byName.get(name);
    if (slot) return slot;
    const claimed = this.#aliases.get(name);
    return claimed?.length === 1 ? claimed[0] : undefined;
  }

  /** The provider's own name for a pin that may be an alias; unknown names are left as they are. */
  canonical(name: string | undefined): string | undefined {
    return name === undefined ? undefined : (this.find(name)?.name ?? name);
  }

  slot(name: string): ProviderSlot {
    const slot = this.find(name);
    if (slot) return slot;
    const claimed = this.#aliases.get(name);
    if (claimed && claimed.length > 1)
      throw new ConfigError(
        `provider '${name}' is ambiguous: it is another name of ${claimed.map((s) => `'${s.name}'`).join(' and ')}`,
        { path: 'provider', hint: 'pin one of them by its own name' },
      );
    throw new ConfigError(`unknown provider '${name}' (configured: ${this.names.join(', ')})`, {
      path: 'provider',
    });
  }

  /** Who a read asks: the pinned provider, the providers that keep versions, or all. */
  readSlots(pin: string | undefined, version: string | undefined): ProviderSlot[] {
    if (pin) return [this.slot(pin)];
    return version !== undefined ? this.versionSlots(undefined) : this.slots;
  }

  /** Where writes go: the pinned provider, else defaultWriteProvider, else the only writable one. */
  writeSlot(pin: string | undefined, operation: WriteOperation): ProviderSlot {
    const capability: keyof ProviderCapabilities = operation === 'delete' ? 'delete' : 'write';
    const target = pin ?? this.defaultWriteProvider;
    let slot: ProviderSlot;
    if (target) slot = this.slot(target);
    else {
      const writable = this.slots.filter((s) => s.provider.capabilities.write);
      if (writable.length > 1)
        throw new ConfigError(
          `several providers can be written (${writable.map((s) => s.name).join(', ')}): pin one with 'provider' or set defaultWriteProvider`,
          { path: 'defaultWriteProvider' },
        );
      slot = writable[0] ?? this.slots[0]!;
    }
    const provider = slot.provider;
    if (!provider.capabilities[capability] || (capability === 'write' ? !provider.set : !provider.delete)) {
      const readOnly = !provider.capabilities.write;
      throw new UnsupportedOperationError(
        provider.name,
        operation,
        readOnly ? `provider '${provider.name}' is read-only` : undefined,
      );
    }
    // Refused before any cache is touched: a write that cannot happen drops no copy.
    if (slot.unreachable) throw offlineError(slot.name);
    return slot;
  }

  versionSlots(pin: string | undefined): ProviderSlot[] {
    const slots = pin ? [this.slot(pin)] : this.slots.filter((slot) => slot.provider.capabilities.versions);
    if (
      slots.length === 0 ||
      !slots.every((slot) => slot.provider.capabilities.versions && slot.provider.listVersions)
    )
      throw new UnsupportedOperationError(
        pin ?? this.names.join(', '),
        'versions',
        pin ? `provider '${pin}' keeps no versions` : 'no provider keeps versions',
      );
    return slots;
  }

  /** Refuses tags or an expiry the provider cannot keep, instead of dropping them. */
  requireOptions(slot: ProviderSlot, wanted: { tags?: Record<string, string>; expiry?: unknown }): void {
    if (wanted.tags !== undefined && Object.keys(wanted.tags).length > 0 && !slot.provider.capabilities.tags)
      throw new UnsupportedOperationError(slot.name, 'tags');
    if (wanted.expiry !== undefined && !slot.provider.capabilities.expiry)
      throw new UnsupportedOperationError(slot.name, 'expiry');
  }
}
