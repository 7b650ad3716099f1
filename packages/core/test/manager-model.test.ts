import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSecret,
  type ProviderCapabilities,
  type ProviderGetOptions,
  type ProviderSetOptions,
  ProviderUnavailableError,
  type Secret,
  type SecretInfo,
  SecretManager,
  SecretNotFoundError,
  type SecretProvider,
  type SecretVersion,
} from '../src/index.js';

// A model-based test of the manager: random interleavings of reads (some left in flight while
// writes happen), writes, outages and clock steps, checked against a small reference model.
// HUSH_MODEL_RUNS raises the number of sequences (the default keeps the suite quick).
const RUNS = Number(process.env.HUSH_MODEL_RUNS ?? 200);
const KEYS = ['a', 'b', 'c'] as const;
const TTL = 500;
const STALE = 1_000;

interface Version {
  version: number;
  value: string;
}

/** A backend the test controls: versioned values, an outage switch, and reads it can hold. */
class ModelProvider implements SecretProvider {
  readonly kind = 'model';
  readonly capabilities: ProviderCapabilities;
  readonly versions = new Map<string, Version[]>();
  readonly current = new Map<string, Version>();
  #counter = new Map<string, number>();
  outage = false;
  /** While true, reads that arrive wait for `release`. */
  holding = false;
  #held: Array<() => void> = [];
  #arrived: Array<() => void> = [];

  constructor(
    readonly name: string,
    writable: boolean,
  ) {
    this.capabilities = {
      write: writable,
      delete: writable,
      list: false,
      versions: writable,
      tags: false,
      expiry: false,
      batchGet: name === 'b',
    };
  }

  seed(key: string, value: string): void {
    this.#write(key, value);
  }

  /** Resolves when a held read arrives. */
  arrival(): Promise<void> {
    return new Promise((resolve) => this.#arrived.push(resolve));
  }

  release(): void {
    for (const go of this.#held.splice(0)) go();
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    // What the backend answers is decided when the request arrives, as over a network.
    const outage = this.outage;
    const found =
      options.version === undefined
        ? this.current.get(key)
        : this.versions.get(key)?.find((v) => String(v.version) === options.version);
    if (this.holding) {
      for (const arrived of this.#arrived.splice(0)) arrived();
      await new Promise<void>((resolve) => this.#held.push(resolve));
    }
    if (outage)
      throw new ProviderUnavailableError(`${this.name} is down`, [
        { provider: this.name, code: 'DOWN', message: 'down' },
      ]);
    return found ? this.#secret(key, found) : null;
  }

  async getMany(keys: string[]): Promise<Map<string, Secret | null>> {
    const out = new Map<string, Secret | null>();
    for (const key of keys) out.set(key, await this.get(key));
    return out;
  }

  async set(key: string, value: string, _options: ProviderSetOptions = {}): Promise<SecretInfo> {
    if (this.outage) throw new ProviderUnavailableError(`${this.name} is down`);
    return this.#secret(key, this.#write(key, value)).toInfo();
  }

  async delete(key: string): Promise<boolean> {
    if (this.outage) throw new ProviderUnavailableError(`${this.name} is down`);
    return this.current.delete(key);
  }

  async listVersions(key: string): Promise<SecretVersion[]> {
    return (this.versions.get(key) ?? []).map((v) => ({
      version: String(v.version),
      createdAt: new Date(0),
      current: this.current.get(key) === v,
      state: 'enabled' as const,
    }));
  }

  #write(key: string, value: string): Version {
    const version = { version: (this.#counter.get(key) ?? 0) + 1, value };
    this.#counter.set(key, version.version);
    this.versions.set(key, [...(this.versions.get(key) ?? []), version]);
    this.current.set(key, version);
    return version;
  }

  #secret(key: string, v: Version): Secret {
    return createSecret({ key, value: v.value, version: String(v.version), provider: this.name });
  }
}

interface World {
  manager: SecretManager;
  providers: ModelProvider[];
  clock: { now: number };
  /** Every (provider, key) value ever current, with the step at which it stopped being current. */
  history: Array<{
    provider: string;
    key: string;
    value: string;
    version: number;
    from: number;
    until: number;
  }>;
  step: number;
  /** Until when a key's cached entry may come from a failover rather than the first provider. */
  lenientUntil: Map<string, number>;
  pending: Array<{ key: string; started: number; read: Promise<Secret | null | Error> }>;
  highestVersion: Map<string, number>;
}

type Answer =
  | { kind: 'value'; provider: string; version: Version }
  | { kind: 'missing' }
  | { kind: 'unavailable' };

/** What the provider chain answers now, ignoring the cache. */
function chainAnswer(world: World, key: string): Answer {
  let failed = false;
  for (const p of world.providers) {
    if (p.outage) {
      failed = true;
      continue;
    }
    const v = p.current.get(key);
    if (v) return { kind: 'value', provider: p.name, version: v };
  }
  return failed ? { kind: 'unavailable' } : { kind: 'missing' };
}

function anyOutage(world: World): boolean {
  return world.providers.some((p) => p.outage);
}

/** A served value must have been current in its provider at some step of the read. */
function assertNotOverwritten(world: World, key: string, secret: Secret, started: number): void {
  const ok = world.history.some(
    (h) =>
      h.provider === secret.provider &&
      h.key === key &&
      h.value === secret.value &&
      String(h.version) === secret.version &&
      h.from <= world.step &&
      h.until >= started,
  );
  expect(
    ok,
    `served ${secret.provider}:${key}@${secret.version} which was overwritten before the read started`,
  ).toBe(true);
  const id = `${secret.provider}:${key}`;
  if (started >= (world.highestVersion.get(`${id}:written`) ?? 0)) {
    const highest = world.highestVersion.get(id) ?? 0;
    expect(Number(secret.version)).toBeGreaterThanOrEqual(highest);
    world.highestVersion.set(id, Math.max(highest, Number(secret.version)));
  }
}

/** The reference model's record of a write that made `version` current. */
function recordWrite(world: World, provider: string, key: string, version: Version | undefined): void {
  world.step++;
  for (const h of world.history)
    if (h.provider === provider && h.key === key && h.until === Infinity) h.until = world.step - 1;
  if (version)
    world.history.push({
      provider,
      key,
      value: version.value,
      version: version.version,
      from: world.step,
      until: Infinity,
    });
  world.lenientUntil.delete(key);
  // A delete or rollback may lower the version served next: start the monotonic check again.
  world.highestVersion.delete(`${provider}:${key}`);
  world.highestVersion.set(`${provider}:${key}:written`, world.step);
}

async function settle(world: World): Promise<void> {
  for (const p of world.providers) p.release();
  for (const { key, started, read } of world.pending.splice(0)) {
    const result = await read;
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(ProviderUnavailableError);
      continue;
    }
    if (result) assertNotOverwritten(world, key, result, started);
  }
}

/** Checks one completed read against the model. */
function checkRead(world: World, key: string, result: Secret | null | Error): void {
  const answer = chainAnswer(world, key);
  const lenient = anyOutage(world) || world.clock.now < (world.lenientUntil.get(key) ?? -1);
  if (result instanceof Error) {
    expect(result).toBeInstanceOf(ProviderUnavailableError);
    expect(answer.kind, 'an error although the chain could answer').toBe('unavailable');
    return;
  }
  if (result) assertNotOverwritten(world, key, result, world.step);
  if (!lenient) {
    // Read-your-writes: with every provider up and no failover answer cached, the chain's answer.
    if (answer.kind === 'value') {
      expect(result?.provider).toBe(answer.provider);
      expect(result?.value).toBe(answer.version.value);
      expect(result?.version).toBe(String(answer.version.version));
    } else expect(result).toBeNull();
  } else if (answer.kind === 'missing') expect(result).toBeNull();
  if (result && anyOutage(world)) markFailover(world, key);
}

/** During an outage a read may cache a failover's answer, served until its TTL passes. */
function markFailover(world: World, key: string): void {
  if (anyOutage(world)) world.lenientUntil.set(key, world.clock.now + TTL);
}

const key = fc.constantFrom(...KEYS);
// Empty values are part of the alphabet: found-but-empty must never read as not found.
const value = fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z0-9]{3,8}$/));

const getCommand = (k: (typeof KEYS)[number]) => ({
  check: () => true,
  run: async (_m: object, w: World) => {
    await settle(w);
    checkRead(w, k, await w.manager.getSecret(k).catch((e: Error) => e));
  },
  toString: () => `get(${k})`,
});

const startGetCommand = (k: (typeof KEYS)[number]) => ({
  check: () => true,
  run: async (_m: object, w: World) => {
    // A read left in flight: it arrives at the providers now and answers after later commands.
    for (const p of w.providers) p.holding = true;
    const arrived = Promise.race(w.providers.map((p) => p.arrival()));
    const read = w.manager.getSecret(k).catch((e: Error) => e);
    // In-process providers are reached within the microtasks of the call: after one macrotask,
    // a read that has not arrived joined another one in flight or was served by the cache.
    await Promise.race([arrived, read, new Promise((resolve) => setImmediate(resolve))]);
    for (const p of w.providers) p.holding = false;
    w.pending.push({ key: k, started: w.step, read });
  },
  toString: () => `startGet(${k})`,
});

const commands = [
  key.map(getCommand),
  // Reads left in flight and writes are drawn more often: their interleavings are the point.
  key.map(startGetCommand),
  key.map(startGetCommand),
  fc.constant({
    check: () => true,
    run: async (_m: object, w: World) => {
      await settle(w);
      const result = await w.manager.getSecrets([...KEYS]).catch((e: Error) => e);
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(ProviderUnavailableError);
        expect(KEYS.some((k) => chainAnswer(w, k).kind === 'unavailable')).toBe(true);
        // The batch failed as a whole, but the keys a failover answered are cached like any read.
        for (const k of KEYS) if (chainAnswer(w, k).kind === 'value') markFailover(w, k);
        return;
      }
      for (const k of KEYS) checkRead(w, k, result.get(k) ?? null);
    },
    toString: () => 'getSecrets(a, b, c)',
  }),
  fc.constant({
    check: () => true,
    run: async (_m: object, w: World) => {
      await settle(w);
      const doc = Object.fromEntries(KEYS.map((k) => [k, `\${secret:${k}:<default>}`]));
      const result = await w.manager.resolve(doc).catch((e: Error) => e);
      for (const k of KEYS) if (chainAnswer(w, k).kind === 'value') markFailover(w, k);
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(ProviderUnavailableError);
        expect(KEYS.some((k) => chainAnswer(w, k).kind === 'unavailable')).toBe(true);
        return;
      }
      for (const k of KEYS) {
        const answer = chainAnswer(w, k);
        // A default only for a secret that does not exist.
        if (result[k] === '<default>') expect(answer.kind).toBe('missing');
        else expect(w.providers.some((p) => p.current.get(k)?.value === result[k])).toBe(true);
      }
    },
    toString: () => 'resolve(a, b, c)',
  }),
  ...[0, 1].map(() =>
    fc.tuple(key, value, fc.constantFrom('a', 'a', 'b')).map(([k, v, pin]) => ({
      check: () => true,
      run: async (_m: object, w: World) => {
        const provider = w.providers.find((p) => p.name === pin)!;
        const result = await w.manager.setSecret(k, v, { provider: pin }).catch((e: Error) => e);
        if (result instanceof Error) {
          expect(provider.outage).toBe(true);
          return;
        }
        recordWrite(w, pin, k, provider.current.get(k));
        expect(result.version).toBe(String(provider.current.get(k)!.version));
      },
      toString: () => `set(${k}, '${v}', ${pin})`,
    })),
  ),
  fc.tuple(key, value).map(([k, v]) => ({
    check: () => true,
    run: async (_m: object, w: World) => {
      const a = w.providers[0]!;
      const existed = !a.outage && a.current.has(k);
      const result = await w.manager.rotateSecret(k, { newValue: v }).catch((e: Error) => e);
      if (result instanceof Error) {
        if (existed) throw result;
        expect(result).toBeInstanceOf(a.outage ? ProviderUnavailableError : SecretNotFoundError);
        return;
      }
      expect(existed).toBe(true);
      recordWrite(w, 'a', k, a.current.get(k));
    },
    toString: () => `rotate(${k}, '${v}')`,
  })),
  fc.tuple(key, fc.nat({ max: 5 })).map(([k, n]) => ({
    check: () => true,
    run: async (_m: object, w: World) => {
      const a = w.providers[0]!;
      const versions = a.versions.get(k) ?? [];
      if (versions.length === 0 || a.outage) return;
      const target = versions[n % versions.length]!;
      await w.manager.rollbackSecret(k, target.version);
      recordWrite(w, 'a', k, a.current.get(k));
      expect(a.current.get(k)?.value).toBe(target.value);
    },
    toString: () => `rollback(${k}, #${n})`,
  })),
  key.map((k) => ({
    check: () => true,
    run: async (_m: object, w: World) => {
      const a = w.providers[0]!;
      const existed = !a.outage && a.current.has(k);
      const result = await w.manager.deleteSecret(k).catch((e: Error) => e);
      if (result instanceof Error) {
        expect(existed).toBe(false);
        return;
      }
      expect(existed).toBe(true);
      recordWrite(w, 'a', k, undefined);
    },
    toString: () => `delete(${k})`,
  })),
  fc.constantFrom(0, 1, 2).map((i) => ({
    check: () => true,
    run: async (_m: object, w: World) => {
      w.providers[i]!.outage = !w.providers[i]!.outage;
    },
    toString: () => `toggleOutage(${'abc'[i]})`,
  })),
  fc.integer({ min: 1, max: 900 }).map((ms) => ({
    check: () => true,
    run: async (_m: object, w: World) => {
      w.clock.now += ms;
    },
    toString: () => `advance(${ms} ms)`,
  })),
];

describe('the manager against a reference model (fast-check commands)', () => {
  it(`keeps read-your-writes, never serves an overwritten value, keeps versions and not-found/empty apart (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const providers = [
          new ModelProvider('a', true),
          new ModelProvider('b', true),
          new ModelProvider('c', false),
        ];
        providers[2]!.seed('c', 'from-env');
        providers[1]!.seed('b', 'from-b');
        providers[0]!.seed('a', 'from-a');
        const clock = { now: 1_000_000 };
        const manager = new SecretManager({
          providers,
          defaultWriteProvider: 'a',
          cache: { ttl: TTL, staleIfError: STALE },
          now: () => clock.now,
        });
        const world: World = {
          manager,
          providers,
          clock,
          history: [],
          step: 0,
          lenientUntil: new Map(),
          pending: [],
          highestVersion: new Map(),
        };
        for (const p of providers)
          for (const [k, v] of p.current)
            world.history.push({
              provider: p.name,
              key: k,
              value: v.value,
              version: v.version,
              from: 0,
              until: Infinity,
            });
        await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
        await settle(world);
        await manager.dispose();
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
