import { MemoryProvider } from '@hush/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  type ProviderGetOptions,
  ProviderUnavailableError,
  type Secret,
  SecretManager,
  SecretNotFoundError,
} from '../src/index.js';

// A plain read whose first provider is never cached (an agent, itself a cache) asks it directly,
// past the read path's layers. Whatever that provider answers, the read must end as the full
// path ends it: failover, not-found, `required`, stale-if-error, metrics, masking.

const VALUE = 'lean-read-value-5eb1c7a2';

/** An agent's stand-in: a memory provider that can answer with a denial naming a value. */
class AgentLike extends MemoryProvider {
  denyWith?: string;

  override async get(key: string, options?: ProviderGetOptions): Promise<Secret | null> {
    if (this.denyWith !== undefined) throw new AccessDeniedError(`denied, was ${this.denyWith}`);
    return super.get(key, options);
  }
}

function setup(secrets: { agent?: Record<string, string>; direct?: Record<string, string> } = {}) {
  const clock = { now: 1_000_000 };
  const agent = new AgentLike({ name: 'agent', secrets: secrets.agent ?? {} });
  const direct = new MemoryProvider({ name: 'direct', secrets: secrets.direct ?? {} });
  const manager = new SecretManager({
    providers: [{ provider: agent, cacheTtl: 0 }, direct],
    cache: { ttl: '1m', staleIfError: '10m' },
    now: () => clock.now,
  });
  return { clock, agent, direct, manager };
}

describe('a lean read through a provider that is never cached', () => {
  it('asks the provider on every read and counts, times and masks each like the full path', async () => {
    const { agent, manager } = setup({ agent: { k: VALUE } });
    await manager.initialize();
    for (let i = 0; i < 3; i++) expect((await manager.getSecret('k'))?.value).toBe(VALUE);
    expect(agent.calls.get).toBe(3);
    expect(manager.masker.mask(`log ${VALUE} line`)).not.toContain(VALUE);
    const metrics = await manager.getMetrics();
    expect(metrics.operations.get).toMatchObject({ count: 3, errors: 0 });
    expect(metrics.providers.agent).toMatchObject({ calls: 3, errors: 0, failovers: 0 });
    expect(metrics.cache).toMatchObject({ hits: 0, misses: 3 });
  });

  it('fails over when the provider is down, asking it once, and records the failover', async () => {
    const { agent, direct, manager } = setup({ agent: { k: 'from-agent' }, direct: { k: 'from-direct' } });
    await manager.initialize();
    agent.faults.outage = true;
    const served = await manager.getSecret('k');
    expect(served?.provider).toBe('direct');
    expect(agent.calls.get).toBe(1);
    expect(direct.calls.get).toBe(1);
    const metrics = await manager.getMetrics();
    expect(metrics.operations.get).toMatchObject({ count: 1, errors: 0 });
    expect(metrics.providers.agent).toMatchObject({ calls: 1, errors: 1, failovers: 1 });
    expect(metrics.providers.direct).toMatchObject({ calls: 1, errors: 0 });
    expect(manager.getProvider('agent')).toBe(agent);
  });

  it('goes on to the next provider when the first has no such secret, and keeps not-found and required', async () => {
    const { agent, direct, manager } = setup({ direct: { there: 'direct-value' } });
    await manager.initialize();
    expect((await manager.getSecret('there'))?.provider).toBe('direct');
    expect(await manager.getSecret('nowhere')).toBeNull();
    const required = await manager.getSecret('nowhere', { required: true }).catch((e: unknown) => e);
    expect(required).toBeInstanceOf(SecretNotFoundError);
    // One call to each provider per read: the first is never asked twice.
    expect(agent.calls.get).toBe(3);
    expect(direct.calls.get).toBe(3);
    const metrics = await manager.getMetrics();
    // A missing secret is an answer, not an error.
    expect(metrics.operations.get).toMatchObject({ count: 3, errors: 0 });
    expect(metrics.providers.agent).toMatchObject({ calls: 3, errors: 0, failovers: 0 });
  });

  it('throws every provider failure as one error, and serves a stale copy inside stale-if-error', async () => {
    const { clock, agent, direct, manager } = setup({ direct: { k: VALUE } });
    await manager.initialize();
    expect((await manager.getSecret('k'))?.provider).toBe('direct');
    agent.faults.outage = true;
    direct.faults.outage = true;
    clock.now += 2 * 60_000; // past the TTL, inside the stale window
    expect((await manager.getSecret('k'))?.value).toBe(VALUE);
    expect((await manager.getMetrics()).cache).toMatchObject({ staleServed: 1 });
    const failed = await manager.getSecret('other').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProviderUnavailableError);
    expect((failed as ProviderUnavailableError).failures.map((f) => f.provider)).toEqual(['agent', 'direct']);
    const metrics = await manager.getMetrics();
    expect(metrics.operations.get).toMatchObject({ count: 3, errors: 1 });
    expect(metrics.providers.agent).toMatchObject({ calls: 3, errors: 2, failovers: 2 });
  });

  it('ends the read on a definitive error from the provider, masked, without failing over', async () => {
    const { agent, direct, manager } = setup({ agent: { k: VALUE }, direct: { k: 'from-direct' } });
    await manager.initialize();
    expect((await manager.getSecret('k'))?.value).toBe(VALUE);
    agent.denyWith = VALUE;
    const denied = await manager.getSecret('k').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect((denied as Error).message).not.toContain(VALUE);
    expect(direct.calls.get ?? 0).toBe(0);
    expect((await manager.getMetrics()).operations.get).toMatchObject({ count: 2, errors: 1 });
  });

  it('leaves a read with a field, a pin or a bad name to the full path', async () => {
    const { agent, manager } = setup({ agent: { json: '{"user":"lean-user-name"}' } });
    await manager.initialize();
    expect((await manager.getSecret('json#user'))?.value).toBe('lean-user-name');
    expect((await manager.getSecret('json', { provider: 'agent' }))?.provider).toBe('agent');
    await expect(manager.getSecret('../bad')).rejects.toMatchObject({ code: 'INVALID_SECRET_NAME' });
    expect(agent.calls.get).toBe(2);
  });
});

// The lean read against the full path (forced by a plugin, with which every read builds its
// event): the same steps give the same answers, errors and counts.
type Step =
  | { kind: 'read'; name: string; required: boolean }
  | { kind: 'outage'; provider: 'agent' | 'direct'; down: boolean }
  | { kind: 'seed'; provider: 'agent' | 'direct'; name: string; value: string }
  | { kind: 'tick'; ms: number };

const names = fc.constantFrom('a', 'b', 'c');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), name: names, required: fc.boolean() }),
  fc.record({
    kind: fc.constant('outage' as const),
    provider: fc.constantFrom('agent' as const, 'direct' as const),
    down: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('seed' as const),
    provider: fc.constantFrom('agent' as const, 'direct' as const),
    name: names,
    value: fc.constantFrom('value-one-1', 'value-two-2'),
  }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(1_000, 70_000, 700_000) }),
);

async function play(steps: Step[], full: boolean): Promise<unknown[]> {
  const { clock, agent, direct, manager } = setup();
  if (full) manager.use({ name: 'watch', before() {} });
  await manager.initialize();
  const seen: unknown[] = [];
  for (const s of steps) {
    if (s.kind === 'tick') clock.now += s.ms;
    else if (s.kind === 'outage') (s.provider === 'agent' ? agent : direct).faults.outage = s.down;
    else if (s.kind === 'seed') (s.provider === 'agent' ? agent : direct).seed({ [s.name]: s.value });
    else
      seen.push(
        await manager.getSecret(s.name, { required: s.required }).then(
          (secret) => (secret ? `${secret.provider}:${secret.value}` : null),
          (error: { code?: string; failures?: unknown }) => ({ code: error.code, failures: error.failures }),
        ),
      );
  }
  const metrics = await manager.getMetrics();
  const { latencyMs: _get, ...get } = metrics.operations.get ?? { latencyMs: undefined };
  const providers = Object.entries(metrics.providers).map(([name, p]) => [
    name,
    p.calls,
    p.errors,
    p.failovers,
  ]);
  const { hits, misses, staleServed } = metrics.cache;
  seen.push({ get, providers, hits, misses, staleServed, calls: [agent.calls.get, direct.calls.get] });
  await manager.dispose();
  return seen;
}

describe('the lean read against the full path', () => {
  it('gives the same answers, errors and counts for any steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        expect(await play(steps, false)).toEqual(await play(steps, true));
      }),
      { numRuns: 150 },
    );
  });
});
