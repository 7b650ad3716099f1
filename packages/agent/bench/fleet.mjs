// pnpm bench (@hush/agent): a fleet of client processes reading the same secrets from the AWS
// emulator, which counts the requests it receives: (a) each process direct, (b) through one agent,
// (c) each process direct with the shared Redis tier; then a cached read through the agent's
// socket at p50 to p99.9, beside each layer under it and an in-process cached read, with the
// processes as the scheduler places them, on one CPU and on two (fleet-placement.mjs), each with
// the agent's default busy polling and with `--busy-poll 0ms`; then the
// fault runs (a rotation and a killed agent; a rotation and a stopped Redis, while the fleet reads).
//
//   node bench/fleet.mjs [--full] [--clients N] [--secrets N] [--rounds N] [--only fleet,latency,fault]
//                        [--latency-reads N] [--latency-runs N]
//
// The default fleet is 10 processes (a few minutes on a shared machine); --full is the measured
// size, 50 processes × 100 secrets × 10 reads. No value is ever printed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentFault, redisFault } from './fleet-fault.mjs';
import { socketLatency } from './fleet-latency.mjs';
import { cannotPin, PLACEMENTS } from './fleet-placement.mjs';
import {
  liveClients,
  nextMessage,
  release,
  startAgentProcess,
  startClient,
  startRedis,
} from './fleet-processes.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startAwsSecretsManagerEmulator } = await import('@hush/emulators');
const { AwsSecretsManagerProvider } = await import('@hush/provider-aws');

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    clients: { type: 'string' },
    secrets: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '10' },
    only: { type: 'string', default: 'fleet,latency,fault' },
    'latency-reads': { type: 'string', default: '20000' },
    'latency-runs': { type: 'string', default: '3' },
  },
});
const CLIENTS = Number(args.clients ?? (args.full ? 50 : 10));
const SECRETS = Number(args.secrets);
const ROUNDS = Number(args.rounds);
const parts = new Set(args.only.split(','));
/** The manager's default cache TTL: the goal is at most one backend read per secret per period. */
const TTL_MS = 5 * 60_000;

const work = mkdtempSync(join(tmpdir(), 'hush-fleet-'));
const names = Array.from({ length: SECRETS }, (_, i) => `fleet/secret-${String(i).padStart(3, '0')}`);
const tierKey = randomBytes(32).toString('base64');
const cleanups = [];

const emulator = await startAwsSecretsManagerEmulator();
cleanups.push(() => emulator.stop());
const awsOptions = { endpoint: emulator.url, region: emulator.region, credentials: emulator.credentials };
const seed = new AwsSecretsManagerProvider(awsOptions);
const planted = [];
for (const name of names) {
  const value = `value-of-${name}-${randomBytes(6).toString('hex')}`;
  planted.push(value);
  await seed.set(name, value);
}
/** Client output shown on a failure, with every planted value masked. */
const redact = (text) => planted.reduce((out, value) => out.split(value).join('***'), text);

const baseEnv = {
  ...process.env,
  FLEET_NAMES: JSON.stringify(names),
  FLEET_ROUNDS: String(ROUNDS),
  FLEET_AWS_ENDPOINT: emulator.url,
  FLEET_AWS_KEY_ID: emulator.accessKeyId,
  FLEET_AWS_SECRET: emulator.secretAccessKey,
  FLEET_TIER_KEY: tierKey,
};
const startAgent = (env) => startAgentProcess(work, { ...baseEnv, ...env }, cleanups);

async function cleanUp() {
  for (const child of liveClients) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
// Interrupted, it still stops what it started (its redis-server runs as a daemon).
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => cleanUp().finally(() => process.exit(130)));

let failed = false;
try {
  const redis = parts.has('fleet') || parts.has('fault') ? await startRedis(work, cleanups) : undefined;
  if (parts.has('fleet')) {
    console.log(
      `fleet: ${CLIENTS} processes × ${SECRETS} secrets × ${ROUNDS} reads, AWS emulator counting requests\n`,
    );
    const rows = [];
    rows.push(await fleetRun('(a) direct', 'direct', {}));
    const agent = await startAgent({});
    rows.push(await fleetRun('(b) one agent', 'agent', { FLEET_SOCKET: agent.socket }));
    await agent.stop();
    if (redis)
      rows.push(
        await fleetRun('(c) direct + Redis tier', 'redis', {
          FLEET_REDIS_URL: redis.url,
          FLEET_PREFIX: prefix(),
        }),
      );
    else console.log('(c) skipped: no Redis');
    printTable(rows);
  }
  if (parts.has('latency')) {
    const why = cannotPin();
    const placements = why ? PLACEMENTS.slice(0, 1) : PLACEMENTS;
    const polls = [undefined, '0ms'];
    const summaries = [];
    for (const busyPoll of polls)
      for (const placement of placements)
        summaries.push(
          await socketLatency({
            startAgent,
            name: names[0],
            awsOptions,
            placement,
            busyPoll,
            count: Number(args['latency-reads']),
            repeat: Number(args['latency-runs']),
          }),
        );
    console.log('\ncached read through the agent socket, by placement:');
    for (const s of summaries) console.log(`  ${s.placement}: ${s.line}`);
    if (why) console.log(`  (the pinned placements were skipped: ${why})`);
  }
  if (parts.has('fault')) {
    const bench = {
      names,
      planted,
      tierKey,
      redis,
      awsOptions,
      clients: CLIENTS,
      startAgent,
      fleetRun,
      prefix,
    };
    let failures = await agentFault(bench);
    if (redis) failures += await redisFault(bench);
    else console.log('\nfault run 2 skipped: no Redis');
    failed = failures > 0;
  }
} finally {
  await cleanUp();
}
if (failed) {
  console.log('\nreads failed in a fault run');
  process.exitCode = 1;
}

function prefix() {
  return `bench-${randomBytes(4).toString('hex')}:`;
}

/** Starts the clients, waits until every one is ready, then times them from 'go' to the last answer. */
async function fleetRun(label, mode, extraEnv, { during } = {}) {
  const children = Array.from({ length: CLIENTS }, () =>
    startClient({ ...baseEnv, ...extraEnv, FLEET_MODE: mode }),
  );
  const run = async () => {
    await Promise.all(children.map((child) => nextMessage(child, redact, (m) => m === 'ready')));
    emulator.resetCalls();
    const answers = Promise.all(
      children.map((child) => nextMessage(child, redact, (m) => m?.t === 'result')),
    );
    // Awaited below; a client lost while `during` runs must not count as an unhandled rejection.
    answers.catch(() => undefined);
    const started = performance.now();
    for (const child of children) child.send('go');
    if (during) await during(children);
    const results = await answers;
    return { results, wallMs: performance.now() - started };
  };
  const { results, wallMs } = await run().finally(() => Promise.all(children.map(release)));
  const latencies = results.flatMap((r) => r.latencies);
  return {
    label,
    reads: latencies.length,
    failures: results.reduce((a, r) => a + r.failures, 0),
    failureCodes: results.reduce((all, r) => {
      for (const [code, n] of Object.entries(r.failureCodes)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {}),
    failovers: results.reduce((a, r) => a + r.failovers, 0),
    tierTrouble: results.reduce((a, r) => a + r.tierTrouble, 0),
    lockTimeouts: results.reduce((a, r) => a + r.lockTimeouts, 0),
    getSecretValue: emulator.calls.GetSecretValue ?? 0,
    requests: Object.values(emulator.calls).reduce((a, b) => a + b, 0),
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
  for (const r of rows) {
    const why = [
      r.failures && `failed reads by code ${JSON.stringify(r.failureCodes)}`,
      r.failovers && `${r.failovers} reads fell over from the agent to the direct chain (no answer in time)`,
      r.tierTrouble && `${r.tierTrouble} tier calls timed out, failed or were skipped (then read directly)`,
      r.lockTimeouts && `${r.lockTimeouts} waits for another process's fill ran out (then read directly)`,
    ].filter(Boolean);
    if (why.length) console.log(`${r.label}: ${why.join('; ')}`);
  }
  for (const r of rows.slice(1)) {
    const periods = Math.max(1, Math.ceil(r.wallMs / TTL_MS));
    const goal = SECRETS * periods;
    console.log(
      `${r.label}: ${r.getSecretValue} GetSecretValue in ${periods} TTL period(s) of ${TTL_MS / 60_000} min, goal at most ${goal} (${r.getSecretValue <= goal ? 'met' : 'missed'})`,
    );
  }
}

function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
