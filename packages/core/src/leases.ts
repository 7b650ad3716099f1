import type { HeldLease } from './controls.js';
import { isHushError, ProviderUnavailableError } from './errors.js';
import type { Masker } from './masker.js';
import { createSecret, type Secret, type SecretLease } from './secret.js';
import type { ProviderSlot } from './slot.js';

/** Runs `work` after `delayMs`; returns a cancel function. */
export type Schedule = (work: () => void, delayMs: number) => () => void;

export interface LeaseSettings {
  /** Renew (or, when not renewable, fetch anew) when this share of the lease has passed. */
  renewFraction: number;
  now: () => number;
  schedule: Schedule;
}

interface Held {
  name: string;
  secret: Secret;
  slot: ProviderSlot;
  /** The duration the first grant had: what each renewal asks for again. */
  increment: number;
  renewals: number;
  nextActionAt?: number;
  cancel?: () => void;
}

/** A timer that never keeps the process alive. */
export const defaultSchedule: Schedule = (work, delayMs) => {
  const timer = setTimeout(work, Math.max(0, delayMs));
  timer.unref?.();
  return () => clearTimeout(timer);
};

/**
 * The leased values of a manager: each is served until its lease ends, never longer; at
 * `renewFraction` of what is left it is renewed in the background, and when the backend refuses
 * (unknown, revoked, not renewable) or can no longer extend it for the full increment (its
 * maximum TTL is near), a new credential is fetched instead. One credential is held per name,
 * so that every field read from it comes from the same lease.
 */
export class LeaseKeeper {
  readonly #held = new Map<string, Held>();
  readonly #work = new Set<Promise<void>>();
  readonly counts = { renewals: 0, renewalFailures: 0, replacements: 0, expired: 0, revoked: 0 };
  /** Set by the read path: a fresh read of the name through the providers (it calls `keep`). */
  refetch?: (name: string) => Promise<unknown>;
  #disposed = false;

  constructor(
    private readonly settings: LeaseSettings,
    private readonly masker: Masker,
  ) {}

  get size(): number {
    return this.#held.size;
  }

  /** The held value of a name while its lease lasts (and, with a pin, if that provider holds it). */
  current(name: string, pin?: string): Secret | undefined {
    if (this.#held.size === 0) return undefined;
    const held = this.#held.get(name);
    if (!held || (pin !== undefined && held.slot.name !== pin)) return undefined;
    if (this.settings.now() >= held.secret.lease!.expiresAt.getTime()) {
      this.counts.expired++;
      this.#drop(held);
      return undefined;
    }
    return held.secret;
  }

  /** Holds a freshly read leased secret (replacing what the name held) and plans its renewal. */
  keep(name: string, secret: Secret, slot: ProviderSlot): void {
    if (this.#disposed || !secret.lease) return;
    const previous = this.#held.get(name);
    if (previous) this.#drop(previous);
    this.masker.add(secret.value, { pinned: true });
    const held: Held = { name, secret, slot, increment: secret.lease.durationSeconds, renewals: 0 };
    this.#held.set(name, held);
    this.#plan(held);
  }

  list(): HeldLease[] {
    return [...this.#held.values()].map((held) => ({
      name: held.name,
      provider: held.slot.name,
      leaseId: held.secret.lease!.id,
      expiresAt: held.secret.lease!.expiresAt,
      renewable: held.secret.lease!.renewable,
      renewals: held.renewals,
      ...(held.nextActionAt !== undefined ? { nextActionAt: new Date(held.nextActionAt) } : {}),
    }));
  }

  /** Renews the lease of a held name (or lease id) now; answers the lease as renewed. */
  async renew(nameOrId: string): Promise<HeldLease | undefined> {
    const held = this.#find(nameOrId);
    if (!held) return undefined;
    await this.#track(this.#act(held));
    return this.list().find((lease) => lease.name === held.name);
  }

  /** Revokes the lease of a held name (or lease id) at its backend; the next read fetches anew. */
  async revoke(nameOrId: string): Promise<boolean> {
    const held = this.#find(nameOrId);
    if (!held) return false;
    const provider = held.slot.provider;
    const id = held.secret.lease!.id;
    if (provider.revokeLease)
      await held.slot.call((abortSignal) => provider.revokeLease!(id, { abortSignal }));
    if (this.#held.get(held.name) === held) this.#drop(held);
    this.counts.revoked++;
    return true;
  }

  /** Resolves once no renewal or replacement is in flight (tests wait on it). */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  dispose(): void {
    this.#disposed = true;
    for (const held of [...this.#held.values()]) this.#drop(held);
  }

  #find(nameOrId: string): Held | undefined {
    return this.#held.get(nameOrId) ?? [...this.#held.values()].find((h) => h.secret.lease!.id === nameOrId);
  }

  #drop(held: Held): void {
    held.cancel?.();
    if (this.#held.get(held.name) === held) this.#held.delete(held.name);
    this.masker.release(held.secret.value);
  }

  /** Plans the next action at `renewFraction` of what is left of the lease. */
  #plan(held: Held, fraction = this.settings.renewFraction): void {
    held.cancel?.();
    const now = this.settings.now();
    const left = held.secret.lease!.expiresAt.getTime() - now;
    held.nextActionAt = now + Math.max(0, left * fraction);
    held.cancel = this.settings.schedule(() => {
      held.cancel = undefined;
      if (this.#held.get(held.name) === held) void this.#track(this.#act(held));
    }, held.nextActionAt - now);
  }

  #track(work: Promise<void>): Promise<void> {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
    return work;
  }

  async #act(held: Held): Promise<void> {
    const lease = held.secret.lease!;
    const provider = held.slot.provider;
    if (!lease.renewable || !provider.renewLease) return this.#replace(held);
    let renewed: SecretLease;
    try {
      renewed = await held.slot.call((abortSignal) =>
        provider.renewLease!(lease, { incrementSeconds: held.increment, abortSignal }),
      );
    } catch (error) {
      this.counts.renewalFailures++;
      // An outage: keep serving the lease while it lasts and try again later.
      if (error instanceof ProviderUnavailableError || !isHushError(error)) return this.#retryLater(held);
      // Refused (revoked, expired, not renewable): a new credential.
      return this.#replace(held);
    }
    if (this.#held.get(held.name) !== held) return;
    this.counts.renewals++;
    held.renewals++;
    held.secret = createSecret({ ...held.secret.toInfo(), value: held.secret.value, lease: renewed });
    // Granted less than asked: the lease's maximum TTL is near, so a new credential now.
    if (renewed.durationSeconds < held.increment) return this.#replace(held);
    this.#plan(held);
  }

  async #replace(held: Held): Promise<void> {
    if (!this.refetch || this.#disposed) return;
    try {
      const fresh = (await this.refetch(held.name)) as Secret | null | undefined;
      this.counts.replacements++;
      // The backend no longer has it (or serves it without a lease): nothing to hold.
      if (!fresh?.lease && this.#held.get(held.name) === held) this.#drop(held);
    } catch {
      // The old lease may still be good: serve it and try again later.
      if (this.#held.get(held.name) === held) this.#retryLater(held);
    }
  }

  #retryLater(held: Held): void {
    if (this.#held.get(held.name) !== held || this.#disposed) return;
    // Less than a second left: let it end; the next read fetches anew.
    if (held.secret.lease!.expiresAt.getTime() - this.settings.now() < 1000) {
      this.counts.expired++;
      this.#drop(held);
      return;
    }
    this.#plan(held, 0.5);
  }
}
