import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  isTransientError,
  mapConcurrent,
  retry,
  unwatchAbort,
  watchAbort,
  withTimeout,
} from '../src/index.js';
import { CallGroup } from '../src/toolkit/timeout.js';

describe('the provider toolkit', () => {
  it('classifies network codes and 5xx/429 as transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])
      expect(isTransientError(Object.assign(new Error('x'), { code })), code).toBe(true);
    expect(isTransientError({ statusCode: 503 })).toBe(true);
    expect(isTransientError({ status: 429 })).toBe(true);
    expect(isTransientError({ statusCode: 404 })).toBe(false);
    expect(isTransientError(new Error('no'))).toBe(false);
  });

  it('retries with full-jitter exponential backoff inside a time budget', async () => {
    const waits: number[] = [];
    let now = 0;
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 4) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'ok';
      },
      {
        attempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        random: () => 0.5,
        sleep: async (ms) => {
          waits.push(ms);
          now += ms;
        },
        now: () => now,
      },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([50, 100, 200]);
  });

  it('stops retrying when the budget would be exceeded, and on a permanent error', async () => {
    let now = 0;
    let calls = 0;
    const transient = () => Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    await expect(
      retry(
        async () => {
          calls++;
          throw transient();
        },
        {
          attempts: 10,
          baseDelayMs: 100,
          budgetMs: 250,
          random: () => 1,
          sleep: async (ms) => {
            now += ms;
          },
          now: () => now,
        },
      ),
    ).rejects.toThrow('reset');
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { attempts: 5 },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('times out a call and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    await expect(
      withTimeout((s) => {
        signal = s;
        return new Promise(() => undefined);
      }, 10),
    ).rejects.toThrow(/10 ms/);
    expect(signal?.aborted).toBe(true);
  });

  it('hands a later call a fresh signal unless the last one ended clean (not aborted, no listener left)', async () => {
    const seen: AbortSignal[] = [];
    const record = async (signal: AbortSignal) => {
      seen.push(signal);
      return 'ok';
    };
    await withTimeout(record, 1_000);
    await withTimeout(record, 1_000);
    // A clean signal is taken again (making one costs more than the rest of a cached read).
    expect(seen[1]).toBe(seen[0]);
    const listener = () => undefined;
    await withTimeout(async (signal) => {
      seen.push(signal);
      signal.addEventListener('abort', listener);
      return 'ok';
    }, 1_000);
    await withTimeout(record, 1_000);
    // Someone still listens to the third signal: it is not handed to the fourth call.
    expect(seen[3]).not.toBe(seen[2]);
    await expect(
      withTimeout((signal) => record(signal).then(() => new Promise(() => undefined)), 5),
    ).rejects.toThrow(/5 ms/);
    const timedOut = seen[4]!;
    expect(timedOut.aborted).toBe(true);
    for (let i = 0; i < 3; i++) await withTimeout(record, 1_000);
    for (const signal of seen.slice(5)) {
      expect(signal).not.toBe(timedOut);
      expect(signal.aborted).toBe(false);
    }
  });

  it('ends with the outer signal, and with a work that throws at once', async () => {
    const outer = new AbortController();
    let inner: AbortSignal | undefined;
    const pending = withTimeout(
      (signal) => {
        inner = signal;
        return new Promise(() => undefined);
      },
      1_000,
      { abortSignal: outer.signal },
    );
    outer.abort(new Error('disposed'));
    await expect(pending).rejects.toThrow('disposed');
    expect(inner?.aborted).toBe(true);
    await expect(
      withTimeout(() => {
        throw new Error('at once');
      }, 1_000),
    ).rejects.toThrow('at once');
  });

  it('ends every call of a group in flight when it aborts, and every later one at once', async () => {
    const group = new CallGroup();
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>(() => undefined);
    };
    const done = await withTimeout(async () => 'done', 1_000, { group });
    const pending = [withTimeout(hang, 1_000, { group }), withTimeout(hang, 1_000, { group })];
    group.abort(new Error('disposed'));
    for (const call of pending) await expect(call).rejects.toThrow('disposed');
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    await expect(withTimeout(hang, 1_000, { group })).rejects.toThrow('disposed');
    expect(signals[2]?.aborted).toBe(true);
    expect(done).toBe('done');
  });

  it('maps with bounded concurrency, keeping order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});

describe('watchAbort', () => {
  it("is told of a timed call's abort without an abort listener on its signal", async () => {
    let told = 0;
    const onAbort = () => told++;
    const listeners: number[] = [];
    const ended = withTimeout(
      (signal) =>
        new Promise<never>(() => {
          watchAbort(signal, onAbort);
          listeners.push(getEventListeners(signal, 'abort').length);
        }),
      20,
    );
    await expect(ended).rejects.toThrow(/did not answer within 20 ms/);
    expect(told).toBe(1);
    expect(listeners).toEqual([0]);
  });

  it('no longer calls a watcher taken off, and listens to any other signal', async () => {
    let told = 0;
    const onAbort = () => told++;
    await withTimeout(async (signal) => {
      watchAbort(signal, onAbort);
      unwatchAbort(signal, onAbort);
    }, 1_000);
    const controller = new AbortController();
    watchAbort(controller.signal, onAbort);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    controller.abort();
    expect(told).toBe(1);
    unwatchAbort(controller.signal, onAbort);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });
});
