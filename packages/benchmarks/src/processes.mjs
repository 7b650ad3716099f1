import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The `hush` command as installed (its package.json bin) and `dotenvx`, run with this Node. */
const cliManifest = require.resolve('@hush/cli/package.json');
export const HUSH = join(dirname(cliManifest), require(cliManifest).bin.hush);
export const DOTENVX = join(dirname(require.resolve('@dotenvx/dotenvx/package.json')), 'src/cli/dotenvx.js');

/** A clean environment: no HUSH_* of the caller, no colours. */
export function cleanEnv(extra = {}) {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1' };
  return { ...env, ...extra };
}

/** Runs a process to its end and returns its wall time in ms; a failure is a thrown error. */
export function timed(args, { cwd, env = cleanEnv() }) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 400)}`);
  return ms;
}

/**
 * Runs a process, counting (and dropping) what it writes; wall time in ms, bytes seen, and whether
 * `watch` showed up anywhere in its stdout (across chunk boundaries too).
 */
export function streamed(args, { cwd, env = cleanEnv(), watch }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    let found = false;
    let carry = Buffer.alloc(0);
    child.stdout.on('data', (chunk) => {
      bytes += chunk.length;
      if (watch === undefined || found) return;
      const joined = Buffer.concat([carry, chunk.subarray(0, watch.length)]);
      if (chunk.includes(watch) || joined.includes(watch)) found = true;
      carry = chunk.subarray(Math.max(0, chunk.length - watch.length));
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 400)}`));
      else resolve({ ms, bytes, found });
    });
  });
}

/** A temporary project folder, removed by the returned function. */
export function tempProject(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `hush-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `hush init` in `dir`, then `count` secrets written in one bulk import. */
export function hushProject(dir, count) {
  timed([HUSH, 'init'], { cwd: dir });
  if (count === 0) return;
  const lines = Array.from({ length: count }, (_, i) => `SECRET_${i}=value-${i}-${'x'.repeat(24)}`);
  writeFileSync(join(dir, 'fixture.env'), `${lines.join('\n')}\n`);
  timed([HUSH, 'import', 'fixture.env'], { cwd: dir });
  rmSync(join(dir, 'fixture.env'));
}

/**
 * CPU time (user + system, ms) used so far by this process's waited-for children, from
 * /proc/self/stat (clock ticks of 10 ms); undefined where there is no /proc.
 */
export function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime), counted from the state field (3).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * `times` runs of a process in a row: mean wall ms, and mean CPU ms of the children (batched so
 * that the 10 ms clock tick of /proc gives a usable resolution).
 */
export function timedBatch(args, options, times) {
  const cpu = childrenCpuMs();
  let wall = 0;
  for (let i = 0; i < times; i++) wall += timed(args, options);
  const after = childrenCpuMs();
  return { wall: wall / times, cpu: cpu === undefined ? undefined : (after - cpu) / times };
}
