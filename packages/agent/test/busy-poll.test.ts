import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusyPoll, threadCpuWait } from '../src/busy-poll.js';

// The poll turns on setImmediate and reads time from the clock it is given: a test moves the
// clock, then lets one turn of the event loop run.

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function clocked(windowMs: number) {
  let now = 1_000;
  let waited = 0;
  const poll = new BusyPoll(windowMs, { now: () => now, cpuWait: () => waited });
  return {
    poll,
    advance: async (ms: number) => {
      now += ms;
      await turn();
    },
    now: () => now,
    /** Another task kept this thread from a CPU for `ms`. */
    contend: (ms: number) => {
      waited += ms;
    },
  };
}

describe('BusyPoll', () => {
  it.runIf(process.platform === 'linux')("reads this thread's wait for a CPU from Linux", () => {
    const reader = threadCpuWait();
    expect(reader).toBeDefined();
    const first = reader!.read();
    let spun = 0;
    for (let i = 0; i < 100_000; i++) spun += i;
    const second = reader!.read();
    expect(spun).toBeGreaterThan(0);
    expect(Number.isFinite(first) && first >= 0).toBe(true);
    expect(second).toBeGreaterThanOrEqual(first);
    reader!.close();
  });

  it('polls from a request until the window after the last one has passed', async () => {
    const { poll, advance } = clocked(1);
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(true);
    await advance(0.6);
    expect(poll.polling).toBe(true);
    poll.touch(); // the window now ends 1 ms after this request
    await advance(0.6);
    expect(poll.polling).toBe(true);
    await advance(0.5);
    expect(poll.polling).toBe(false);
    expect(poll.spentMs).toBeCloseTo(1.7);
  });

  it('adds each burst to the time spent, and nothing while idle', async () => {
    const { poll, advance } = clocked(2);
    poll.touch();
    await advance(2);
    expect(poll.polling).toBe(false);
    await advance(50);
    expect(poll.spentMs).toBeCloseTo(2);
    poll.touch();
    await advance(1);
    expect(poll.spentMs).toBeCloseTo(3); // counted while it still polls
    await advance(1);
    expect(poll.polling).toBe(false);
    expect(poll.spentMs).toBeCloseTo(4);
  });

  it('never polls with a window of 0 (the default) or after stop', async () => {
    const off = clocked(0);
    off.poll.touch();
    expect(off.poll.polling).toBe(false);
    expect(off.poll.spentMs).toBe(0);

    const { poll, advance } = clocked(10);
    poll.touch();
    poll.stop();
    await advance(0.1);
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(false);
  });

  it('stops for 10 ms when another task waits for its CPU, then polls again', async () => {
    const { poll, advance, contend } = clocked(5);
    poll.touch();
    contend(0.01); // a moment's wait is no rival
    await advance(0.3);
    expect(poll.polling).toBe(true);
    contend(0.2);
    await advance(0.3);
    expect(poll.polling).toBe(false);
    expect(poll.backoffs).toBe(1);
    await advance(5);
    poll.touch(); // within the 10 ms: a request is answered, but no poll follows it
    expect(poll.polling).toBe(false);
    await advance(5);
    poll.touch();
    expect(poll.polling).toBe(true);
  });

  it('counts a poll preempted past its window as contended', async () => {
    const { poll, advance, contend } = clocked(1);
    poll.touch();
    contend(3);
    await advance(3);
    expect(poll.polling).toBe(false);
    expect(poll.backoffs).toBe(1);
    poll.touch();
    expect(poll.polling).toBe(false);
  });

  it('polls exactly while a request was answered within the window, unless contended (model)', async () => {
    const WINDOW = 1;
    const CHECK = 0.25;
    const CONTENDED = 0.05;
    const BACKOFF = 10;
    interface Model {
      last: number;
      since: number;
      checkedAt: number;
      waitedAtCheck: number;
      offUntil: number;
      spent: number;
      backoffs: number;
      polling: boolean;
      waited: number;
    }
    type Real = ReturnType<typeof clocked>;
    class Touch implements fc.AsyncCommand<Model, Real> {
      check = () => true;
      async run(model: Model, real: Real) {
        real.poll.touch();
        const now = real.now();
        model.last = now;
        if (!model.polling && now >= model.offUntil) {
          Object.assign(model, { polling: true, since: now, checkedAt: now, waitedAtCheck: model.waited });
        }
        expect(real.poll.polling).toBe(model.polling);
      }
      toString = () => 'touch';
    }
    class Contend implements fc.AsyncCommand<Model, Real> {
      constructor(readonly ms: number) {}
      check = () => true;
      async run(model: Model, real: Real) {
        real.contend(this.ms);
        model.waited += this.ms;
      }
      toString = () => `contend ${this.ms} ms`;
    }
    class Advance implements fc.AsyncCommand<Model, Real> {
      constructor(readonly ms: number) {}
      check = () => true;
      async run(model: Model, real: Real) {
        const before = real.poll.spentMs;
        await real.advance(this.ms);
        const now = real.now();
        const quiet = now - model.last >= WINDOW;
        if (model.polling && (quiet || now - model.checkedAt >= CHECK)) {
          if (model.waited - model.waitedAtCheck >= CONTENDED) {
            model.backoffs++;
            model.offUntil = now + BACKOFF;
            model.polling = false;
          } else if (quiet) model.polling = false;
          else Object.assign(model, { checkedAt: now, waitedAtCheck: model.waited });
          if (!model.polling) model.spent += now - model.since;
        }
        expect(real.poll.polling).toBe(model.polling);
        expect(real.poll.backoffs).toBe(model.backoffs);
        const spent = model.spent + (model.polling ? now - model.since : 0);
        expect(real.poll.spentMs).toBeCloseTo(spent, 6);
        expect(real.poll.spentMs).toBeGreaterThanOrEqual(before);
      }
      toString = () => `advance ${this.ms} ms`;
    }
    await fc.assert(
      fc.asyncProperty(
        fc.commands([
          fc.constant(new Touch()),
          fc.integer({ min: 0, max: 25 }).map((tenths) => new Advance(tenths / 10)),
          fc.constantFrom(0.01, 0.04, 0.06, 0.5, 3).map((ms) => new Contend(ms)),
        ]),
        async (commands) => {
          const real = clocked(WINDOW);
          const model: Model = {
            last: 0,
            since: 0,
            checkedAt: 0,
            waitedAtCheck: 0,
            offUntil: Number.NEGATIVE_INFINITY,
            spent: 0,
            backoffs: 0,
            polling: false,
            waited: 0,
          };
          await fc.asyncModelRun(() => ({ model, real }), commands);
          // However it went, a window of quiet ends the polling.
          await real.advance(WINDOW);
          expect(real.poll.polling).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
