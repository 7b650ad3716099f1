import { MemoryProvider } from '@hush/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type OperationContext, type OperationEvent, SecretManager } from '../src/index.js';

const uuids = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    randomUUID: (...args: Parameters<typeof actual.randomUUID>) => {
      uuids.count++;
      return actual.randomUUID(...args);
    },
  };
});

const RealDate = globalThis.Date;

afterEach(() => {
  globalThis.Date = RealDate;
});

/** Counts `new Date()` while `work` runs. */
async function datesBuiltBy(work: () => Promise<void>): Promise<number> {
  let built = 0;
  class CountingDate extends RealDate {
    constructor(...args: ConstructorParameters<typeof Date>) {
      super(...(args as unknown as []));
      built++;
    }
  }
  globalThis.Date = CountingDate as DateConstructor;
  try {
    await work();
  } finally {
    globalThis.Date = RealDate;
  }
  return built;
}

describe('a cached read', () => {
  it('builds no event, request id or date when no plugin is registered', async () => {
    const manager = new SecretManager({ providers: [new MemoryProvider({ secrets: { k: 'value-1' } })] });
    await manager.getSecret('k');
    const before = uuids.count;
    const built = await datesBuiltBy(async () => {
      for (let i = 0; i < 100; i++) await manager.getSecret('k');
    });
    expect(built).toBe(0);
    expect(uuids.count).toBe(before);
    expect((await manager.getMetrics()).cache.hits).toBe(100);
    expect((await manager.getMetrics()).operations.get?.count).toBe(101);
    // Only one hit in sixteen reads the clock, but every one is in the latency window.
    expect((await manager.getMetrics()).operations.get?.latencyMs.count).toBe(101);
  });

  it('hands a plugin one event, built once, to before and after', async () => {
    const seen: Array<OperationContext | OperationEvent> = [];
    const manager = new SecretManager({
      providers: [new MemoryProvider({ secrets: { k: 'value-1' } })],
      plugins: [{ name: 'p', before: (c) => void seen.push(c), after: (e) => void seen.push(e) }],
    });
    await manager.getSecret('k');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[1]).toMatchObject({ operation: 'get', key: 'k', outcome: 'success' });
    expect((seen[1] as OperationEvent).timestamp).toBeInstanceOf(Date);
  });
});
