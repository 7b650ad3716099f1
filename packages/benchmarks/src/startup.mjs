import { statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median, table } from './measure.mjs';
import { cleanEnv, DOTENVX, HUSH, hushProject, tempProject, timed, timedBatch } from './processes.mjs';

const ROUNDS = Number(process.env.HUSH_BENCH_ROUNDS ?? 11);
/** Runs per sample: CPU time is read in 10 ms ticks, so a sample is a short batch. */
const BATCH = 4;

/** The least a verified read of the store does: load node:crypto, read the file, MAC every byte. */
const VERIFIED_READ_FLOOR = `
const { createHmac } = require('node:crypto');
const bytes = require('node:fs').readFileSync('.hush/secrets.enc.json');
createHmac('sha256', Buffer.alloc(32)).update(bytes).digest('base64');`;

/**
 * Waits until the store has gone unchanged for the 2 s after which `hush get` and `hush list`
 * leave a note of their verified read (see provider-local's `getOnce`), as a store has between a
 * write and the reads that follow it; without this the first rounds would time a read with no
 * note and the rest one with it.
 */
async function settled(store) {
  const age = Date.now() - statSync(store).ctimeMs;
  if (age < 2_100) await new Promise((resolve) => setTimeout(resolve, 2_100 - age));
}

/**
 * Start-up of whole `hush` processes, each paired with a `node -e 0` run next to it in the same
 * round (floor, contender, floor, contender...), so that the load of a shared machine weighs on
 * both sides of each ratio alike. Reported: the median of the per-pair ratios, and medians in ms.
 */
export async function startup() {
  const small = tempProject('small');
  const big = tempProject('big');
  try {
    hushProject(small.dir, 5);
    hushProject(big.dir, 10_000);
    writeFileSync(join(small.dir, '.env'), 'SECRET_0=value-0\nSECRET_1=value-1\n');
    await settled(join(big.dir, '.hush', 'secrets.enc.json'));
    const contenders = [
      { name: 'hush --version', args: [HUSH, '--version'], cwd: small.dir, budget: 1.2 },
      {
        name: 'hush run -- true (5 secrets)',
        args: [HUSH, 'run', '--', 'true'],
        cwd: small.dir,
        budget: 1.8,
      },
      {
        name: 'hush get NAME (10,000 secrets)',
        args: [HUSH, 'get', 'secret-5000'],
        cwd: big.dir,
        budget: 1.5,
      },
      { name: 'hush list (10,000 secrets)', args: [HUSH, 'list'], cwd: big.dir, budget: 2 },
      // The same commands through the full command line (parser, manager), for the direct path's share.
      {
        name: '  run, full command (HUSH_NO_DIRECT=1)',
        args: [HUSH, 'run', '--', 'true'],
        cwd: small.dir,
        env: cleanEnv({ HUSH_NO_DIRECT: '1' }),
      },
      {
        name: '  get, full command (HUSH_NO_DIRECT=1)',
        args: [HUSH, 'get', 'secret-5000'],
        cwd: big.dir,
        env: cleanEnv({ HUSH_NO_DIRECT: '1' }),
      },
      // What a verified read of that store costs without a note (the first read after a write),
      // before hush does anything of its own: Node, node:crypto, the file read and its HMAC-SHA256.
      {
        name: '  floor without a note: read + HMAC the store',
        args: ['-e', VERIFIED_READ_FLOOR],
        cwd: big.dir,
      },
      { name: 'dotenvx run -- true (peer)', args: [DOTENVX, 'run', '-q', '--', 'true'], cwd: small.dir },
    ];
    const floor = ['-e', '0'];
    const loadBefore = loadavg()[0];
    for (const c of contenders) {
      timed(c.args, { cwd: c.cwd, ...(c.env ? { env: c.env } : {}) }); // warm the file cache
      c.wall = [];
      c.cpu = [];
      c.floorWall = [];
      c.floorCpu = [];
    }
    for (let round = 0; round < ROUNDS; round++)
      for (const c of contenders) {
        // Floor and contender side by side; which goes first alternates from round to round.
        const first = round % 2 === 0;
        const before = first ? timedBatch(floor, { cwd: c.cwd }, BATCH) : undefined;
        const sample = timedBatch(c.args, { cwd: c.cwd, ...(c.env ? { env: c.env } : {}) }, BATCH);
        const base = before ?? timedBatch(floor, { cwd: c.cwd }, BATCH);
        c.wall.push(sample.wall / base.wall);
        c.floorWall.push(base.wall);
        c.ms = [...(c.ms ?? []), sample.wall];
        if (sample.cpu !== undefined && base.cpu > 0) {
          c.cpu.push(sample.cpu / base.cpu);
          c.floorCpu.push(base.cpu);
        }
      }
    const rows = [['command', 'median ms', 'node -e 0 ms', 'wall ratio', 'CPU ratio', 'budget', '']];
    for (const c of contenders) {
      const wall = median(c.wall);
      const cpu = c.cpu.length ? median(c.cpu) : undefined;
      // The budget is judged on the wall-clock ratio; the CPU ratio is steadier on a loaded machine.
      rows.push([
        c.name,
        median(c.ms).toFixed(0),
        median(c.floorWall).toFixed(0),
        `${wall.toFixed(2)}×`,
        cpu === undefined ? 'n/a' : `${cpu.toFixed(2)}×`,
        c.budget ? `≤ ${c.budget}×` : '',
        c.budget ? (wall <= c.budget ? 'within' : 'OVER') : '',
      ]);
    }
    // The machine may be shared: its load (1-minute average) before and after is part of the result.
    const load = `load ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
    table(
      `start-up, whole processes paired with node -e 0 (${ROUNDS} rounds of ${BATCH} runs each; medians of the pairs; ${load})`,
      rows,
    );
    return Object.fromEntries(contenders.map((c) => [c.name, median(c.wall)]));
  } finally {
    small.remove();
    big.remove();
  }
}
