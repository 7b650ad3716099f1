import { afterAll, describe, expect, it } from 'vitest';
import { encodeEntry } from '../src/entry.js';
import { FillSignals } from '../src/fill-signals.js';
import { RedisCacheTier } from '../src/index.js';
import { freshPrefix, REDIS_URL, rawClient } from './redis.js';

// A reader waiting for another process's fill is woken by the holder's messages. The poll is set
// to an hour here: a wait that relied on it would outlast the test's timeout and fail it.
const NEVER = '1h';
const LONG_WAIT = 60_000;

const entry = () => ({ sealed: Uint8Array.from([1, 2, 3]), version: 'v1', freshUntil: Date.now() + 60_000 });

describe.skipIf(!REDIS_URL)('waiting for a fill on a real Redis', () => {
  const raw = REDIS_URL ? rawClient() : undefined;
  const tiers: RedisCacheTier[] = [];
  const tier = async (prefix: string, lockPoll = NEVER) => {
    const made = new RedisCacheTier({ url: REDIS_URL!, prefix, lockPoll }, 'prod');
    tiers.push(made);
    await made.connect();
    await made.subscribed();
    return made;
  };
  afterAll(async () => {
    await Promise.all(tiers.map((t) => t.dispose()));
    raw?.disconnect();
  });

  it("a waiter is woken by the holder's fill message and gets its entry", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await tier(prefix), await tier(prefix)];
    const holder = await a.lock('k', 'k', { waitMs: LONG_WAIT });
    expect(holder.held).toBe(true);
    const waiting = b.lock('k', 'k', { waitMs: LONG_WAIT });
    await a.set('k', 'k', entry());
    const waited = await waiting;
    expect(waited.held).toBe(false);
    expect(waited.held === false && [...(waited.entry?.sealed ?? [])]).toEqual([1, 2, 3]);
    if (holder.held) await holder.release();
    expect(b.metrics().lockTimeouts).toBe(0);
  });

  it('a holder that lets go without filling wakes its waiters at once: they read directly', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await tier(prefix), await tier(prefix)];
    const holder = await a.lock('k', 'k', { waitMs: LONG_WAIT });
    expect(holder.held).toBe(true);
    const waiting = b.lock('k', 'k', { waitMs: LONG_WAIT });
    // B's claim has to be refused while A still holds the lock: wait until B is in Redis' books.
    await raw!.ping();
    if (holder.held) await holder.release();
    const waited = await waiting;
    expect(waited).toEqual({ held: false });
    expect(b.metrics().lockTimeouts).toBe(0);
    expect(await raw!.exists(`${prefix}prod:l:k\u0000k`)).toBe(0);
  });

  it('a fill whose message was lost is found by the slow poll', async () => {
    const prefix = freshPrefix();
    const b = await tier(prefix, '20ms');
    await raw!.set(`${prefix}prod:l:k\u0000k`, 'someone-else', 'PX', LONG_WAIT);
    const waiting = b.lock('k', 'k', { waitMs: LONG_WAIT });
    // Written behind the tier's back: no message goes out.
    await raw!.hset(`${prefix}prod:s:k`, 'k', encodeEntry(entry()));
    const waited = await waiting;
    expect(waited.held === false && waited.entry?.version).toBe('v1');
  });

  it('a wait the manager gives up on ends at once', async () => {
    const prefix = freshPrefix();
    const b = await tier(prefix);
    await raw!.set(`${prefix}prod:l:k\u0000k`, 'someone-else', 'PX', LONG_WAIT);
    const abort = new AbortController();
    const waiting = b.lock('k', 'k', { waitMs: LONG_WAIT, abortSignal: abort.signal });
    await raw!.ping();
    abort.abort();
    expect(await waiting).toEqual({ held: false });
  });
});

describe('fill signals', () => {
  it('a message that came while the reader was busy is not slept through', async () => {
    const signals = new FillSignals();
    const watch = signals.watch('a');
    signals.notify('a');
    // Resolves at once: an hour-long wait would fail the test by its timeout.
    await watch.wait(3_600_000);
    watch.close();
  });

  it("wakes the watches of the message's key only, and forgets a closed watch", async () => {
    const signals = new FillSignals();
    const a = signals.watch('a');
    const b = signals.watch('b');
    let bWoke = false;
    const bWaiting = b.wait(3_600_000).then(() => {
      bWoke = true;
    });
    const aWaiting = a.wait(3_600_000);
    signals.notify('a');
    await aWaiting;
    expect(bWoke).toBe(false);
    a.close();
    b.close();
    await bWaiting;
    expect(bWoke).toBe(true);
  });
});
