/** Median nanoseconds per call of `work`, over `rounds` rounds of `iterations` awaited calls. */
export async function nsPerCall(work, { iterations = 100_000, rounds = 5 } = {}) {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) await work(i);
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await work(i);
    samples.push(Number(process.hrtime.bigint() - started) / iterations);
  }
  return median(samples);
}

/** Median milliseconds of one run of `work`. */
export async function msPerRun(work, { rounds = 5, setup } = {}) {
  const samples = [];
  for (let round = 0; round < rounds + 1; round++) {
    if (setup) await setup();
    const started = process.hrtime.bigint();
    await work();
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (round > 0) samples.push(elapsed);
  }
  return median(samples);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function table(title, rows) {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  for (const row of rows) console.log(`  ${row.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')}`);
}

export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

/**
 * Median nanoseconds per call of each contender, in interleaved rounds (a, b, c, a, b, c...) so that a busy machine
 * weighs on all alike. Beside the wall-clock medians, `cpu` holds the medians of the process's
 * CPU time per call: on a shared machine the wall clock also counts the time other processes
 * held the cores, the CPU time does not.
 */
export async function nsPerCallInterleaved(contenders, { iterations = 50_000, rounds = 9 } = {}) {
  for (const work of Object.values(contenders)) for (let i = 0; i < 10_000; i++) await work(i);
  const names = Object.keys(contenders);
  const wall = Object.fromEntries(names.map((name) => [name, []]));
  const cpu = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++)
    for (const [name, work] of Object.entries(contenders)) {
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await work(i);
      wall[name].push(Number(process.hrtime.bigint() - started) / iterations);
      const used = process.cpuUsage(cpuBefore);
      cpu[name].push(((used.user + used.system) * 1000) / iterations);
    }
  const medians = (samples) =>
    Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
  return { ...medians(wall), cpu: medians(cpu) };
}
