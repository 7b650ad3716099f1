import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The Redis of the run (scripts/ci-redis.sh starts one), or undefined: the tests then skip. */
export const REDIS_URL = process.env.HUSH_TEST_REDIS_URL;
export const SKIP_MESSAGE =
  'Redis tests skipped: set HUSH_TEST_REDIS_URL to a real Redis (scripts/ci-redis.sh starts one)';

/** Whether a `redis-server` binary is on PATH (the outage tests start and stop their own). */
export const HAS_REDIS_SERVER = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A prefix of its own for each test, so that tests sharing one Redis never see each other's keys. */
export function freshPrefix(): string {
  return `hush-test-${randomBytes(4).toString('hex')}:`;
}

export const TIER_KEY = randomBytes(32).toString('base64');

/** A plain client for looking inside Redis. */
export function rawClient(url = REDIS_URL!): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  // Connection trouble shows in the commands' own errors; the event would only be noise.
  client.on('error', () => undefined);
  return client;
}

/** Every key under a prefix (SCAN, never KEYS) with its raw bytes, whatever its type. */
export async function dumpPrefix(
  client: Redis,
  prefix: string,
): Promise<Array<{ key: string; bytes: Buffer[] }>> {
  const out: Array<{ key: string; bytes: Buffer[] }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      if (type === 'hash') {
        const all = await client.hgetallBuffer(key);
        out.push({
          key,
          bytes: Object.entries(all).flatMap(([field, value]) => [Buffer.from(field), value]),
        });
      } else if (type === 'string')
        out.push({ key, bytes: [(await client.getBuffer(key)) ?? Buffer.alloc(0)] });
      else out.push({ key, bytes: [] });
    }
  } while (cursor !== '0');
  return out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of a test's own, that the test can stop and start again on the same port. */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'hush-redis-'));
  #process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.#process = child;
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Kills the server at once, as a crash or a lost network would. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits until `check` holds, looking every few milliseconds, for at most `ms`; returns the time it took. */
export async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
