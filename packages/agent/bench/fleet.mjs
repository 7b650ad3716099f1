// pnpm bench (@hush/agent): a fleet of client processes reading the same secrets from the AWS
// emulator, which counts the requests it receives: (a) each process direct, (b) through one agent,
// (c) each process direct with the shared Redis tier; then a cached read through the agent's
// socket at p99, and a fault run (rotate, kill the agent, stop Redis while the fleet reads).
// FLEET_CLIENTS, FLEET_SECRETS and FLEET_ROUNDS shrink it (defaults 50, 100, 10).
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startAwsSecretsManagerEmulator } = await import('@hush/emulators');
const { SecretManager } = await import('@hush/core');
const { AwsSecretsManagerProvider } = await import('@hush/provider-aws');
const { AgentProvider } = await import('@hush/provider-agent');
const { RedisCacheTier } = await import('@hush/cache-redis');

const CLIENTS = Number(process.env.FLEET_CLIENTS ?? 50);
const SECRETS = Number(process.env.FLEET_SECRETS ?? 100);
const ROUNDS = Number(process.env.FLEET_ROUNDS ?? 10);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hush-fleet-'));
const names = Array.from({ length: SECRETS }, (_, i) => `fleet/secret-${String(i).padStart(3, '0')}`);
const tierKey = randomBytes(32).toString('base64');
const cleanups = [];
const rawAgent = new HttpAgent({ keepAlive: true });

const emulator = await startAwsSecretsManagerEmulator();
cleanups.push(() => emulator.stop());
const seed = new AwsSecretsManagerProvider({
  endpoint: emulator.url,
  region: emulator.region,
  credentials: emulator.credentials,
});
for (const name of names) await seed.set(name, `value-of-${name}-${randomBytes(6).toString('hex')}`);

const redis = await redisForBench();
const baseEnv = {
  ...process.env,
  FLEET_NAMES: JSON.stringify(names),
  FLEET_ROUNDS: String(ROUNDS),
  FLEET_AWS_ENDPOINT: emulator.url,
  FLEET_AWS_KEY_ID: emulator.accessKeyId,
  FLEET_AWS_SECRET: emulator.secretAccessKey,
  FLEET_TIER_KEY: tierKey,
};

try {
  console.log(
    `fleet: ${CLIENTS} processes × ${SECRETS} secrets × ${ROUNDS} reads, AWS emulator counting requests\n`,
  );
  const rows = [];
  rows.push(await fleetRun('(a) direct', 'direct', {}));
  const agentA = await startAgentProcess({});
  rows.push(await fleetRun('(b) one agent', 'agent', { FLEET_SOCKET: agentA.socket }));
  await agentA.stop();
  if (redis)
    rows.push(
      await fleetRun('(c) direct + Redis tier', 'redis', {
        FLEET_REDIS_URL: redis.url,
        FLEET_PREFIX: prefix(),
      }),
    );
  else console.log('(c) skipped: no Redis (set HUSH_TEST_REDIS_URL or install redis-server)');
  printTable(rows);
  await socketLatency();
  if (redis) await faultRun();
  else console.log('\nfault run skipped: it needs Redis');
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

function prefix() {
  return `bench-${randomBytes(4).toString('hex')}:`;
}

/** Starts the clients, waits until every one is ready, then times them from 'go' to the last answer. */
async function fleetRun(label, mode, extraEnv, { during } = {}) {
  // A client's stderr would only carry the SDK's warnings about slow requests; failures are counted.
  const children = Array.from({ length: CLIENTS }, () =>
    fork(here('./fleet-client.mjs'), [], {
      stdio: ['ignore', 'inherit', 'ignore', 'ipc'],
      env: { ...baseEnv, ...extraEnv, FLEET_MODE: mode },
    }),
  );
  const next = (child) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`a client exited with ${code} before answering`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  await Promise.all(children.map(next));
  emulator.resetCalls();
  const answers = children.map(next);
  const started = performance.now();
  for (const child of children) child.send('go');
  if (during) await during(children);
  const results = await Promise.all(answers);
  const wallMs = performance.now() - started;
  const latencies = results.flatMap((r) => r.latencies);
  const requests = Object.values(emulator.calls).reduce((a, b) => a + b, 0);
  return {
    label,
    reads: latencies.length,
    failures: results.reduce((a, r) => a + r.failures, 0),
    getSecretValue: emulator.calls.GetSecretValue ?? 0,
    requests,
    wallMs,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    results,
  };
}

function printTable(rows) {
  const base = rows[0];
  console.log(
    'run                        reads  failed  GetSecretValue  all requests  vs (a)   wall ms  p50 µs   p99 µs',
  );
  for (const r of rows)
    console.log(
      `${r.label.padEnd(26)} ${String(r.reads).padStart(6)} ${String(r.failures).padStart(7)} ${String(r.getSecretValue).padStart(15)} ${String(r.requests).padStart(13)}  ${(r.requests / base.requests).toFixed(3).padStart(6)} ${r.wallMs.toFixed(0).padStart(9)} ${r.p50.toFixed(0).padStart(7)} ${r.p99.toFixed(0).padStart(8)}`,
    );
  const goal = SECRETS;
  for (const r of rows.slice(1))
    console.log(
      `${r.label}: ${r.getSecretValue} GetSecretValue for a goal of at most ${goal} per TTL period (${r.getSecretValue <= goal ? 'met' : 'missed'})`,
    );
}

/** A cached read through the agent's socket, at p99, beside an in-process cached read. */
async function socketLatency() {
  const agent = await startAgentProcess({});
  const viaAgent = new SecretManager({ providers: [new AgentProvider({ socket: agent.socket })] });
  const inProcess = new SecretManager({
    providers: [
      new AwsSecretsManagerProvider({
        endpoint: emulator.url,
        region: emulator.region,
        credentials: emulator.credentials,
      }),
    ],
  });
  const name = names[0];
  await viaAgent.getSecret(name);
  await inProcess.getSecret(name);
  const measure = async (read, count) => {
    for (let i = 0; i < 2000; i++) await read();
    const samples = [];
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await read();
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return samples;
  };
  const agentReads = await measure(() => viaAgent.getSecret(name), 20_000);
  const rawReads = await measure(() => rawGet(agent.socket, `/v1/secret/${name}`), 20_000);
  const localReads = await measure(() => inProcess.getSecret(name), 20_000);
  console.log('\ncached read, 20,000 sequential reads            p50 µs   p99 µs');
  const line = (label, samples) =>
    console.log(
      `${label.padEnd(46)} ${percentile(samples, 0.5).toFixed(1).padStart(7)} ${percentile(samples, 0.99).toFixed(1).padStart(8)}`,
    );
  line('getSecret through the agent socket', agentReads);
  line('raw HTTP GET on the agent socket', rawReads);
  line('getSecret from the in-process cache', localReads);
  const p99 = percentile(agentReads, 0.99);
  console.log(
    `agent socket p99 / in-process p99: ${(p99 / percentile(localReads, 0.99)).toFixed(1)}x; goal p99 < 150 µs: ${p99 < 150 ? 'met' : 'missed'}`,
  );
  await viaAgent.dispose();
  await inProcess.dispose();
  await agent.stop();
}

/** The fleet reads through the agent (with the Redis tier everywhere) while a secret is rotated, the agent killed, then Redis stopped. */
async function faultRun() {
  const runPrefix = prefix();
  const redisEnv = { FLEET_REDIS_URL: redis.url, FLEET_PREFIX: runPrefix };
  const agent = await startAgentProcess(redisEnv);
  const rotated = names[0];
  const newValue = `rotated-${randomBytes(8).toString('hex')}`;
  const tier = new RedisCacheTier({ url: redis.url, prefix: runPrefix }, 'bench');
  await tier.connect();
  const writer = new SecretManager({
    providers: [
      new AwsSecretsManagerProvider({
        endpoint: emulator.url,
        region: emulator.region,
        credentials: emulator.credentials,
      }),
    ],
    environment: 'bench',
    cacheTiers: [{ tier, key: tierKey }],
  });
  const events = {};
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const result = await fleetRun(
    'fault run',
    'fault',
    { ...redisEnv, FLEET_SOCKET: agent.socket, FLEET_ROTATED: rotated, FLEET_ROTATED_VALUE: newValue },
    {
      during: async (children) => {
        await sleep(1500);
        await writer.rotateSecret(rotated, { newValue });
        events.rotatedAt = Date.now();
        await sleep(1500);
        agent.kill();
        events.agentKilledAt = Date.now();
        await sleep(1500);
        await redis.stop();
        events.redisStoppedAt = Date.now();
        await sleep(1500);
        for (const child of children) child.send('stop');
      },
    },
  );
  const seen = result.results.map((r) => r.rotatedSeenAt);
  const delays = seen.filter((t) => t !== undefined).map((t) => t - events.rotatedAt);
  console.log('\nfault run: the fleet reads through the agent, with the Redis tier in every process');
  console.log(`  reads ${result.reads}, failed ${result.failures}, backend requests ${result.requests}`);
  console.log(
    `  rotate: ${delays.length}/${CLIENTS} processes saw the new value, slowest after ${Math.max(...delays)} ms (p50 ${percentile(delays, 0.5)} ms)`,
  );
  console.log(
    `  agent killed: reads failed over to the direct chain (${result.results.reduce((a, r) => a + r.failovers, 0)} failovers), ${result.failures} failed`,
  );
  console.log(`  Redis stopped: reads went on; p99 read over the whole run ${result.p99.toFixed(0)} µs`);
  await writer.dispose();
}

function startAgentProcess(extraEnv) {
  const socket = join(mkdtempSync(join(work, 'agent-')), 'run', 'agent.sock');
  const child = fork(here('./fleet-agent.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...baseEnv, ...extraEnv, FLEET_SOCKET: socket },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('message', () =>
      resolve({
        socket,
        kill: () => child.kill('SIGKILL'),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`the agent exited with ${code}`)));
  });
}

/** A redis-server of the benchmark's own (the fault run stops it), or undefined without one. */
async function redisForBench() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const port = await new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', work],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(stop);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const socket = new Socket();
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
    });
    if (ok) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function rawGet(socketPath, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: rawAgent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}
