import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryProvider } from '@hush/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderUnavailableError, SecretManager } from '../src/index.js';

// A model-based test of the persistent tier: random reads with the provider up or down, writes,
// clock steps, and reads by a second manager in offline mode over the same files. Whatever the
// order, a copy is served only when every provider failed (or offline), only if it is what the
// provider last served since the last write, and only while it is younger than the maximum age.
const RUNS = Number(process.env.HUSH_MODEL_RUNS ?? 100);
const KEYS = ['a', 'b'] as const;
const MAX_AGE = 1000;

interface Model {
  current: Map<string, string>;
  copies: Map<string, { value: string; at: number }>;
  down: boolean;
  now: number;
}

interface Real {
  provider: MemoryProvider;
  online: SecretManager;
  offline: SecretManager;
  clock: { now: number };
  written: number;
}

type Command = fc.AsyncCommand<Model, Real>;

/** What a copy-only read must answer: the young copy, else an outage. */
function expectedCopy(model: Model, key: string): string | 'unavailable' {
  const copy = model.copies.get(key);
  return copy && model.now - copy.at < MAX_AGE ? copy.value : 'unavailable';
}

async function outcome(read: Promise<{ value: string } | null>): Promise<string | null> {
  try {
    return (await read)?.value ?? null;
  } catch (error) {
    if (error instanceof ProviderUnavailableError) return 'unavailable';
    throw error;
  }
}

class Read implements Command {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const got = await outcome(real.online.getSecret(this.key));
    if (!model.down) {
      const value = model.current.get(this.key) ?? null;
      expect(got).toBe(value);
      if (value !== null) model.copies.set(this.key, { value, at: model.now });
    } else expect(got).toBe(expectedCopy(model, this.key));
  }
  toString = () => `read(${this.key})`;
}

class OfflineRead implements Command {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    // The other process reads after this one's writes reached the disk.
    await real.online.persistentCache!.status();
    const calls = { ...real.provider.calls };
    expect(await outcome(real.offline.getSecret(this.key, { fresh: true }))).toBe(
      expectedCopy(model, this.key),
    );
    expect(real.provider.calls).toEqual(calls);
  }
  toString = () => `offlineRead(${this.key})`;
}

class Write implements Command {
  constructor(readonly key: string) {}
  check = (model: Readonly<Model>) => !model.down;
  async run(model: Model, real: Real): Promise<void> {
    const value = `value-${++real.written}`;
    await real.online.setSecret(this.key, value);
    model.current.set(this.key, value);
    model.copies.delete(this.key);
  }
  toString = () => `write(${this.key})`;
}

class Tick implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.ms;
    real.clock.now += this.ms;
  }
  toString = () => `tick(${this.ms})`;
}

class Outage implements Command {
  constructor(readonly down: boolean) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.down = this.down;
    real.provider.faults.outage = this.down;
  }
  toString = () => `provider(${this.down ? 'down' : 'up'})`;
}

const commands = [
  fc.constantFrom(...KEYS).map((key) => new Read(key)),
  fc.constantFrom(...KEYS).map((key) => new OfflineRead(key)),
  fc.constantFrom(...KEYS).map((key) => new Write(key)),
  // Small steps, and steps that land right before and right on the maximum age.
  fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constantFrom(MAX_AGE - 1, MAX_AGE)).map((ms) => new Tick(ms)),
  fc.boolean().map((down) => new Outage(down)),
];

describe('the persistent tier (model-based)', () => {
  it('serves only young copies of what the provider last served, and only when it cannot answer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: '+1' }), async (cmds) => {
        const dir = mkdtempSync(join(tmpdir(), 'hush-persistent-model-'));
        const clock = { now: 1_000_000 };
        const provider = new MemoryProvider({ name: 'remote', secrets: { a: 'seed-a' } });
        const persistent = { path: join(dir, 'cache'), ttl: MAX_AGE, key: Buffer.alloc(32, 3) };
        // The in-process cache is off, so that every read meets the provider or the copy.
        const make = (offline: boolean) =>
          new SecretManager({
            providers: [provider],
            cache: { enabled: false, persistent },
            now: () => clock.now,
            offline,
            onWarning: () => undefined,
          });
        const online = make(false);
        const offline = make(true);
        const model: Model = {
          current: new Map([['a', 'seed-a']]),
          copies: new Map(),
          down: false,
          now: clock.now,
        };
        try {
          await fc.asyncModelRun(
            () => ({ model, real: { provider, online, offline, clock, written: 0 } }),
            cmds,
          );
        } finally {
          await online.dispose();
          await offline.dispose();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
