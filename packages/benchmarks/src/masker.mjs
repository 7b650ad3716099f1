import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Masker } from '@hush/core';
import { table } from './measure.mjs';

const VALUES = 1_000;
const MEGABYTES = 80;

/**
 * Stream masker throughput with 1,000 values registered: 80 MB of log-like text, in 64 KiB
 * chunks, with a value every few kilobytes, through `createStream()`.
 */
export async function maskerThroughput() {
  const values = Array.from({ length: VALUES }, () => randomBytes(18).toString('base64url'));
  const masker = new Masker(values);
  const line = (i) =>
    `2026-12-01T10:00:00.${String(i % 1000).padStart(3, '0')}Z INFO request ${i} served in ${i % 97} ms by worker ${i % 8}\n`;
  const lines = Array.from({ length: 2_000 }, (_, i) =>
    i % 40 === 0 ? `token=${values[i % VALUES]} ${line(i)}` : line(i),
  );
  const block = Buffer.from(lines.join(''));
  const chunks = [];
  for (let at = 0; at < block.length; at += 65_536) chunks.push(block.subarray(at, at + 65_536));
  const total = MEGABYTES * 1024 * 1024;
  let produced = 0;
  let consumed = 0;
  let leaked = false;
  const source = Readable.from(
    (function* () {
      for (;;)
        for (const chunk of chunks) {
          if (produced >= total) return;
          produced += chunk.length;
          yield chunk;
        }
    })(),
  );
  const sink = new Writable({
    write(chunk, _encoding, done) {
      consumed += chunk.length;
      if (!leaked && chunk.includes(values[0])) leaked = true;
      done();
    },
  });
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await pipeline(source, masker.createStream(), sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpuBefore);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const mbPerSecond = total / 1024 / 1024 / seconds;
  // The source, the sink's leak check and the stream plumbing are in both figures.
  const mbPerCpuSecond = total / 1024 / 1024 / cpuSeconds;
  table(`stream masker, ${VALUES} values, ${MEGABYTES} MB`, [
    [
      'MB/s (target ≥ 100)',
      'seconds',
      'MB per CPU second',
      'CPU seconds',
      'bytes out',
      'a value left unmasked',
    ],
    [
      mbPerSecond.toFixed(0),
      seconds.toFixed(2),
      mbPerCpuSecond.toFixed(0),
      cpuSeconds.toFixed(2),
      consumed,
      leaked ? 'YES' : 'no',
    ],
  ]);
  if (leaked) throw new Error('the masker let a value through');
  return { mbPerSecond, mbPerCpuSecond };
}
