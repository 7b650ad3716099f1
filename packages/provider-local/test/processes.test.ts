import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
let bundleDir: string;
let writer: string;

beforeAll(async () => {
  // One self-contained CommonJS file: a child starts in tens of milliseconds instead of compiling TypeScript.
  bundleDir = mkdtempSync(join(tmpdir(), 'hush-writer-'));
  writer = join(bundleDir, 'writer.cjs');
  await build({
    entryPoints: [join(here, 'fixtures', 'writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: writer,
    alias: { '@hush/core': resolve(here, '../../core/src/index.ts') },
    logLevel: 'error',
  });
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

interface Child {
  process: ChildProcess;
  /** Indexes of the writes the child reported as returned. */
  done: number[];
  ready: Promise<void>;
  exit: Promise<number | null>;
  stderr: () => string;
}

function startWriter(args: string[]): Child {
  const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done: number[] = [];
  let stderr = '';
  let buffered = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') markReady();
      else if (line.startsWith('ok ')) done.push(Number(line.slice(3)));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': 'exit' can come before the last lines in the stdout pipe were read.
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { process: child, done, ready, exit, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the child reported a returned write (or exited, or 60 s passed: then the run just checks what it has). */
async function waitForFirstWrite(child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (
    child.done.length === 0 &&
    child.process.exitCode === null &&
    child.process.signalCode === null &&
    Date.now() < deadline
  )
    await sleep(2);
}

describe('local provider: crashes and concurrent processes', () => {
  let box: Sandbox;
  beforeAll(() => {
    box = sandbox();
  });
  afterAll(() => box.cleanup());

  const loops = Number(process.env.HUSH_CRASH_LOOPS ?? 200);

  it(`survives a writer killed with SIGKILL at random instants (${loops} times)`, async () => {
    let killedHoldingLock = 0;
    let runsWithWrites = 0;
    for (let run = 0; run < loops; run++) {
      const child = startWriter(['continuous', box.dir, box.key, `run${run}`]);
      await Promise.race([child.ready, child.exit]);
      // Random instant. Even runs: 0-25 ms after start-up, often before or inside the first write.
      // Odd runs: 0-25 ms after a first write returned, so that however slow the machine is,
      // half the kills land among completed writes (the writer is then inside its next write).
      if (run % 2 === 1) await waitForFirstWrite(child);
      await sleep(Math.random() * 25);
      child.process.kill('SIGKILL');
      await child.exit;
      expect(child.stderr()).toBe('');
      const reported = [...child.done];
      if (reported.length > 0) runsWithWrites++;
      // Killed inside a write: the lock is still there. Stale-lock takeover has its own test below.
      if (existsSync(`${box.store}.lock`)) killedHoldingLock++;
      rmSync(`${box.store}.lock`, { recursive: true, force: true });

      // The store must open (MAC, generation, every entry) and hold every reported write.
      const reader = box.make();
      if (reported.length === 0) {
        await reader.list();
        continue;
      }
      for (const i of reported) {
        const secret = await reader.get(`crash/k${i % 20}`);
        expect(secret, `write ${i} of run ${run} was reported done`).not.toBeNull();
        const [writtenBy, index] = secret!.value.split(':');
        expect(writtenBy).toBe(`run${run}`);
        expect(Number(index)).toBeGreaterThanOrEqual(i);
        expect(Number(index) % 20).toBe(i % 20);
      }
    }
    // The kills landed during writes, and writes did complete between kills (odd runs guarantee the latter).
    if (loops >= 20) {
      expect(killedHoldingLock).toBeGreaterThan(0);
      expect(runsWithWrites).toBeGreaterThan(0);
    }
    // Temp files of killed writers are removed by the writer (or reader) that comes next; only the last run can leave one per file.
    const leftovers = readdirSync(dirname(box.store)).filter((n) => n.endsWith('.tmp'));
    expect(leftovers.length).toBeLessThanOrEqual(2);
  }, 600_000);

  it('takes over the lock of a writer that died holding it (stale lock)', async () => {
    mkdirSync(`${box.store}.lock`, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${box.store}.lock`, old, old);
    await box.make({ lockStaleMs: 2000 }).set('after-stale-lock', 'ok');
    expect((await box.make().get('after-stale-lock'))?.value).toBe('ok');
  });

  it('8 processes x 50 writes to one store: all 400 present', async () => {
    const other = sandbox();
    try {
      const children = Array.from({ length: 8 }, (_, id) =>
        startWriter(['count', other.dir, other.key, String(id), '50']),
      );
      const codes = await Promise.all(children.map((c) => c.exit));
      for (const c of children) expect(c.stderr()).toBe('');
      expect(codes).toEqual(Array(8).fill(0));
      const reader = other.make();
      const listed = await reader.list();
      expect(listed).toHaveLength(400);
      const all = await reader.getMany(
        Array.from({ length: 400 }, (_, n) => `writer-${n % 8}/k${Math.floor(n / 8)}`),
      );
      for (const [key, secret] of all) expect(secret?.value, key).toBe(`v${key.split('/k')[1]}`);
      expect(statSync(other.store).mode & 0o777).toBe(0o600);
    } finally {
      other.cleanup();
    }
  }, 300_000);
});
