import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, table } from './measure.mjs';
import { DOTENVX, HUSH, streamed, tempProject, timed } from './processes.mjs';

const MEGABYTES = 80;
const ROUNDS = Number(process.env.HUSH_BENCH_OUTPUT_ROUNDS ?? 5);

// A child printing 80 MB of log lines, one line in forty holding the secret it was given.
const PRINTER = `
const value = process.env.API_TOKEN;
const lines = [];
for (let i = 0; i < 2000; i++)
  lines.push((i % 40 === 0 ? 'token=' + value + ' ' : '') + '2026-12-01T10:00:00.000Z INFO request ' + i + ' served in ' + (i % 97) + ' ms\\n');
const block = Buffer.from(lines.join(''));
let left = ${MEGABYTES} * 1024 * 1024;
const out = () => {
  while (left > 0) {
    const chunk = left >= block.length ? block : block.subarray(0, left);
    left -= chunk.length;
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', out);
  }
};
out();
`;

/**
 * `hush run` with 80 MB of output (masked, through a pipe) side by side with `dotenvx run` (which
 * does not mask) and the child alone, in interleaved rounds. Reports MB/s and the time over the
 * child alone; checks that hush let no value through.
 */
export async function runOutput() {
  const project = tempProject('output');
  try {
    const value = `tok-${'Q7x'.repeat(8)}`;
    timed([HUSH, 'init'], { cwd: project.dir });
    timed([HUSH, 'set', 'api-token', '--value', value], { cwd: project.dir });
    writeFileSync(join(project.dir, '.env'), `API_TOKEN=${value}\n`);
    writeFileSync(join(project.dir, 'printer.js'), PRINTER);
    const contenders = {
      'node printer.js (alone)': ['printer.js'],
      'hush run (masked)': [HUSH, 'run', '--', process.execPath, 'printer.js'],
      'dotenvx run (no masking)': [DOTENVX, 'run', '-q', '--', process.execPath, 'printer.js'],
    };
    const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    let leaked = false;
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, args] of Object.entries(contenders)) {
        const env = name.startsWith('node') ? { API_TOKEN: value } : {};
        const watch = name.startsWith('hush') ? value : undefined;
        const { ms, bytes, found } = await streamed(args, { cwd: project.dir, env: cleanEnvFor(env), watch });
        if (found) leaked = true;
        if (bytes < MEGABYTES * 1024 * 1024 * 0.9) throw new Error(`${name} wrote ${bytes} bytes only`);
        samples[name].push(ms);
      }
    const alone = median(samples['node printer.js (alone)']);
    const rows = [['command', 'median s', 'MB/s', 'over the child alone']];
    for (const [name, values] of Object.entries(samples)) {
      const ms = median(values);
      rows.push([
        name,
        (ms / 1000).toFixed(2),
        (MEGABYTES / (ms / 1000)).toFixed(0),
        `${(ms / alone).toFixed(2)}×`,
      ]);
    }
    rows.push(['a value left unmasked by hush', leaked ? 'YES' : 'no', '', '']);
    table(`run with ${MEGABYTES} MB of output to a pipe (${ROUNDS} interleaved rounds)`, rows);
    if (leaked) throw new Error('hush run let a value through');
  } finally {
    project.remove();
  }
}

function cleanEnvFor(extra) {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...extra };
}
