import { ProviderUnavailableError, type Schedule, SecretManager } from '@hush/core';
import type { VaultEmulator } from '@hush/emulators';
import * as fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emulator, rootProvider } from './helpers.js';

/**
 * Dynamic secrets through the real client and the emulator's database engine, with one clock
 * for the emulator, the provider and the manager, and the manager's background work scheduled
 * on that clock: time moves when a test says so, nothing sleeps.
 */
class ManualClock {
  now = Date.UTC(2026, 5, 1, 9, 0);
  #timers: Array<{ at: number; work: () => void; live: boolean }> = [];
  /** When each scheduled task ran, on this clock (to measure renewal timing). */
  readonly ran: number[] = [];

  readonly schedule: Schedule = (work, delayMs) => {
    const timer = { at: this.now + Math.max(0, delayMs), work, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  };

  /** Moves time forward, running each task that falls due (in order) and waiting for its work. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.now = Math.max(this.now, due.at);
      this.ran.push(this.now);
      due.work();
      await settle();
    }
    this.#timers = this.#timers.filter((t) => t.live);
    this.now = target;
  }
}

const MINUTE = 60_000;
let vault: VaultEmulator;
let clock: ManualClock;
const managers: SecretManager[] = [];

function manager(renewFraction?: number): SecretManager {
  const provider = rootProvider(vault, { dynamic: ['database/creds/*'], now: () => clock.now });
  const created = new SecretManager({
    providers: [provider],
    now: () => clock.now,
    leases: { schedule: clock.schedule, ...(renewFraction ? { renewFraction } : {}) },
  });
  managers.push(created);
  return created;
}

async function credential(m: SecretManager, name = 'database/creds/app') {
  const secret = await m.getSecret(name, { required: true });
  return { ...(JSON.parse(secret.value) as { username: string; password: string }), lease: secret.lease! };
}

const lookup = async (leaseId: string) => {
  const response = await fetch(`${vault.url}/v1/sys/leases/lookup`, {
    method: 'PUT',
    headers: { 'x-vault-token': vault.rootToken },
    body: JSON.stringify({ lease_id: leaseId }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  clock = new ManualClock();
  vault = await emulator({
    now: () => clock.now,
    database: {
      roles: {
        app: { defaultTtl: '1h', maxTtl: '24h' },
        short: { defaultTtl: '1h', maxTtl: '90m' },
        fixed: { defaultTtl: '30m', renewable: false },
      },
    },
  });
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.dispose();
  vault.faults.clear();
});
afterAll(async () => {
  await vault.stop();
});

describe('dynamic secrets and their leases', () => {
  it('reads a credential with its lease; both fields are one JSON value', async () => {
    const m = manager();
    const first = await credential(m);
    expect(first.username).toMatch(/^v-root-app-/);
    expect(first.lease).toMatchObject({ durationSeconds: 3600, renewable: true });
    expect(first.lease.id).toMatch(/^database\/creds\/app\//);
    expect(first.lease.expiresAt.getTime()).toBe(clock.now + 3_600_000);
    // Held for its lease: the next read is the same credential, no second lease.
    const before = vault.leaseIds().length;
    expect((await credential(m)).password).toBe(first.password);
    expect(vault.leaseIds()).toHaveLength(before);
  });

  it('renews a credential before it expires, at 2/3 of its lease by default', async () => {
    const m = manager();
    const started = clock.now;
    const first = await credential(m);
    const ranBefore = clock.ran.length;
    await clock.advance(39 * MINUTE, () => m.leases.idle());
    expect(m.leases.list()[0]!.renewals).toBe(0);
    await clock.advance(2 * MINUTE, () => m.leases.idle());
    expect(m.leases.list()[0]!.renewals).toBe(1);
    // The renewal ran at 40 minutes of the 60-minute lease.
    expect(clock.ran.slice(ranBefore)[0]! - started).toBe(40 * MINUTE);
    const looked = await lookup(first.lease.id);
    expect(looked.body.data.last_renewal).not.toBeNull();
    // Past the first lease's end the same credential is served, its lease extended at the backend.
    await clock.advance(30 * MINUTE, () => m.leases.idle());
    const later = await credential(m);
    expect(later.password).toBe(first.password);
    expect(later.lease.id).toBe(first.lease.id);
    expect((await lookup(first.lease.id)).status).toBe(200);
  });

  it('takes a configured renewal fraction', async () => {
    const m = manager(0.5);
    const started = clock.now;
    await credential(m);
    const ranBefore = clock.ran.length;
    await clock.advance(31 * MINUTE, () => m.leases.idle());
    expect(clock.ran.slice(ranBefore)[0]! - started).toBe(30 * MINUTE);
    expect(m.leases.list()[0]!.renewals).toBe(1);
  });

  it('a lease revoked through the manager gets a fresh credential on the next read', async () => {
    const m = manager();
    const first = await credential(m);
    expect(await m.leases.revoke('database/creds/app')).toBe(true);
    expect((await lookup(first.lease.id)).body).toEqual({ errors: ['invalid lease'] });
    const next = await credential(m);
    expect(next.lease.id).not.toBe(first.lease.id);
    expect(next.password).not.toBe(first.password);
  });

  it('a lease revoked elsewhere is replaced when its renewal is refused', async () => {
    const m = manager();
    const first = await credential(m);
    const revoked = await fetch(`${vault.url}/v1/sys/leases/revoke`, {
      method: 'PUT',
      headers: { 'x-vault-token': vault.rootToken },
      body: JSON.stringify({ lease_id: first.lease.id }),
    });
    expect(revoked.status).toBe(204);
    await clock.advance(41 * MINUTE, () => m.leases.idle());
    const next = await credential(m);
    expect(next.lease.id).not.toBe(first.lease.id);
    expect((await lookup(next.lease.id)).status).toBe(200);
    expect((await m.getMetrics()).leases).toMatchObject({ renewalFailures: 1, replacements: 1 });
  });

  it('a non-renewable lease is re-read (a new credential) instead of renewed', async () => {
    const m = manager();
    const first = await credential(m, 'database/creds/fixed');
    expect(first.lease.renewable).toBe(false);
    await clock.advance(21 * MINUTE, () => m.leases.idle());
    const next = await credential(m, 'database/creds/fixed');
    expect(next.lease.id).not.toBe(first.lease.id);
    expect(next.password).not.toBe(first.password);
    expect((await m.getMetrics()).leases).toMatchObject({ renewals: 0, replacements: 1 });
  });

  it('a renewal cut short by the maximum TTL fetches a new credential', async () => {
    const m = manager();
    const first = await credential(m, 'database/creds/short');
    // At 40 minutes only 50 of the hour asked for are left before the 90-minute maximum.
    await clock.advance(41 * MINUTE, () => m.leases.idle());
    const next = await credential(m, 'database/creds/short');
    expect(next.lease.id).not.toBe(first.lease.id);
    expect((await m.getMetrics()).leases).toMatchObject({ renewals: 1, replacements: 1 });
  });

  it('never serves a leased value past its lease, even when Vault is down', async () => {
    const m = manager();
    const first = await credential(m);
    vault.faults.set({ outage: true });
    await clock.advance(59 * MINUTE, () => m.leases.idle());
    // Still within the lease: served, although every renewal failed.
    expect((await credential(m)).password).toBe(first.password);
    expect((await m.getMetrics()).leases!.renewalFailures).toBeGreaterThan(0);
    await clock.advance(2 * MINUTE, () => m.leases.idle());
    await expect(m.getSecret('database/creds/app')).rejects.toBeInstanceOf(ProviderUnavailableError);
    vault.faults.clear();
    const next = await credential(m);
    expect(next.lease.id).not.toBe(first.lease.id);
  });

  it('both fields of one credential come from the same lease (references in a document)', async () => {
    const m = manager();
    const before = new Set(vault.leaseIds());
    const resolved = await m.resolve({
      user: '${secret:database/creds/app#username}',
      url: 'postgres://${secret:database/creds/app#username}:${secret:database/creds/app#password}@db/app',
    });
    const created = vault.leaseIds().filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    const held = await credential(m);
    expect(resolved.user).toBe(held.username);
    expect(resolved.url).toBe(`postgres://${held.username}:${held.password}@db/app`);
  });

  it('is read-only: set and delete of a dynamic path are refused', async () => {
    const m = manager();
    await expect(m.setSecret('database/creds/app', 'x')).rejects.toMatchObject({
      code: 'UNSUPPORTED_OPERATION',
    });
    await expect(m.deleteSecret('database/creds/app')).rejects.toMatchObject({
      code: 'UNSUPPORTED_OPERATION',
    });
  });

  it('revokes every lease under a role prefix and no other; an empty prefix and a token without sudo are refused', async () => {
    const provider = rootProvider(vault, { dynamic: ['database/creds/*'], now: () => clock.now });
    const read = async (name: string) => (await provider.get(name))!.lease!.id;
    const [a, b, other] = [
      await read('database/creds/app'),
      await read('database/creds/app'),
      await read('database/creds/short'),
    ];
    await provider.revokeLeasePrefix('database/creds/app');
    expect((await lookup(a)).body).toEqual({ errors: ['invalid lease'] });
    expect((await lookup(b)).body).toEqual({ errors: ['invalid lease'] });
    expect((await lookup(other)).status).toBe(200);
    await expect(provider.revokeLeasePrefix('/')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    const limited = rootProvider(vault, {
      token: vault.createToken({ policies: ['app'] }),
      dynamic: ['database/creds/*'],
    });
    await expect(limited.revokeLeasePrefix('database/creds/short')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    expect((await lookup(other)).status).toBe(200);
  });

  it('model: whatever the reads, clock moves and revocations, each served pair is one live lease', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('read' as const),
        field: fc.constantFrom('username', 'password', 'both'),
      }),
      fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant('revoke' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const m = manager();
        try {
          for (const s of steps) {
            if (s.kind === 'advance') await clock.advance(s.minutes * MINUTE, () => m.leases.idle());
            else if (s.kind === 'revoke') await m.leases.revoke('database/creds/app');
            else {
              const [user, password, whole] = await Promise.all([
                m.getSecret('database/creds/app#username', { required: true }),
                m.getSecret('database/creds/app#password', { required: true }),
                m.getSecret('database/creds/app', { required: true }),
              ]);
              const pair = JSON.parse(whole.value) as { username: string; password: string };
              // The fields read at once belong to the one credential held.
              expect(user.value).toBe(pair.username);
              expect(password.value).toBe(pair.password);
              // And its lease is alive at the backend now.
              expect((await lookup(whole.lease!.id)).status).toBe(200);
            }
          }
        } finally {
          await m.dispose();
        }
      }),
      { numRuns: 15 },
    );
  });
});
