// The fault runs of the fleet benchmark, each while the fleet reads without pause:
//   agent: a secret rotated through the agent, then the agent killed (clients fall over to their
//          direct chain: no read may fail);
//   Redis: a secret rotated by another manager (pub/sub invalidation), then Redis stopped (reads
//          go on: a tier that is away is skipped).
// Each step waits for the fleet's progress (every process through a pass over the names), not for
// a fixed time, so that a slow machine stretches the run instead of emptying it.
import { randomBytes } from 'node:crypto';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Longest wait for a step; a step that runs out is reported, and the run goes on. */
const STEP_MS = 120_000;

/** The fleet reads through one agent; a secret is rotated through it, then the agent is killed. */
export async function agentFault(bench) {
  const { names, planted, startAgent, fleetRun, clients } = bench;
  const { SecretManager } = await import('@hush/core');
  const { AgentProvider } = await import('@hush/provider-agent');
  const agent = await startAgent({ FLEET_ALLOW_WRITES: '1' });
  const rotated = names[1];
  const newValue = `rotated-${randomBytes(8).toString('hex')}`;
  planted.push(newValue);
  const writer = new SecretManager({
    providers: [new AgentProvider({ socket: agent.socket, writes: true })],
  });
  const events = {};
  const result = await fleetRun(
    'agent fault',
    'fault-agent',
    { FLEET_SOCKET: agent.socket, FLEET_ROTATED: rotated, FLEET_ROTATED_VALUE: newValue },
    {
      during: async (children) => {
        const fleet = await rotateWhileReading(children, writer, rotated, newValue, events);
        const before = fleet.snapshot();
        agent.kill();
        await fleet.until(() => fleet.passesSince(before) >= 2);
        for (const child of children) child.send('stop');
      },
    },
  );
  await writer.dispose();
  console.log(
    `\nfault run 1: ${clients} processes read through one agent (agent first, AWS direct after it)`,
  );
  printRotation(result, events, clients, 'written through the agent, which drops its entry');
  console.log(
    `  agent killed (SIGKILL), then every process read every name twice more: ${result.failovers} reads fell over to the direct chain; failed reads ${result.failures} of ${result.reads}${failureNote(result)}`,
  );
  console.log(
    `  backend requests ${result.requests} (GetSecretValue ${result.getSecretValue}), wall ${(result.wallMs / 1000).toFixed(1)} s, p99 read ${result.p99.toFixed(0)} µs`,
  );
  return result.failures;
}

/** Each process reads direct with the Redis tier; a secret is rotated elsewhere, then Redis is stopped. */
export async function redisFault(bench) {
  const { names, planted, redis, tierKey, fleetRun, clients, prefix } = bench;
  const { SecretManager } = await import('@hush/core');
  const { AwsSecretsManagerProvider } = await import('@hush/provider-aws');
  const { RedisCacheTier } = await import('@hush/cache-redis');
  const runPrefix = prefix();
  const rotated = names[2];
  const newValue = `rotated-${randomBytes(8).toString('hex')}`;
  planted.push(newValue);
  const tier = new RedisCacheTier({ url: redis.url, prefix: runPrefix }, 'bench');
  await tier.connect();
  const writer = new SecretManager({
    providers: [new AwsSecretsManagerProvider(bench.awsOptions)],
    environment: 'bench',
    cacheTiers: [{ tier, key: tierKey }],
  });
  // A short in-process TTL, so that reads reach the tier (and find it gone) while Redis is stopped;
  // a rotation seen well within it was the invalidation's doing, not an expiry's.
  const ttlMs = 10_000;
  const events = {};
  const result = await fleetRun(
    'Redis fault',
    'fault-redis',
    {
      FLEET_REDIS_URL: redis.url,
      FLEET_PREFIX: runPrefix,
      FLEET_CACHE_TTL: `${ttlMs}ms`,
      FLEET_ROTATED: rotated,
      FLEET_ROTATED_VALUE: newValue,
    },
    {
      during: async (children) => {
        const fleet = await rotateWhileReading(children, writer, rotated, newValue, events);
        await writer.dispose();
        await redis.stop();
        const stoppedAt = Date.now();
        const before = fleet.snapshot();
        // Long enough for every entry to expire, so that reads go to the missing tier, then a pass more.
        await sleep(ttlMs + 1000);
        const expired = fleet.snapshot();
        await fleet.until(() => fleet.passesSince(expired) >= 1 && fleet.passesSince(before) >= 2);
        events.withoutRedisMs = Date.now() - stoppedAt;
        for (const child of children) child.send('stop');
      },
    },
  );
  console.log(
    `\nfault run 2: ${clients} processes read direct with the Redis tier (in-process TTL ${ttlMs / 1000} s)`,
  );
  printRotation(result, events, clients, 'by another manager: pub/sub invalidation');
  console.log(
    `  Redis stopped, then ${(events.withoutRedisMs / 1000).toFixed(1)} s of reads without it (${result.tierTrouble} tier calls failed or skipped): failed reads ${result.failures} of ${result.reads}${failureNote(result)}`,
  );
  console.log(
    `  backend requests ${result.requests} (GetSecretValue ${result.getSecretValue}), wall ${(result.wallMs / 1000).toFixed(1)} s, p99 read ${result.p99.toFixed(0)} µs`,
  );
  return result.failures;
}

/** Follows the fleet's progress messages: passes over the names, and who has seen the rotated value. */
/**
 * Once every process has made a pass over the names, rotates one through `writer` and waits
 * until every process has seen the new value; the times go in `events` for `printRotation`.
 */
async function rotateWhileReading(children, writer, rotated, newValue, events) {
  const fleet = progress(children);
  // A fleet still in its first pass is missing every name: a rotation then measures that, not the invalidation.
  events.coldStart = !(await fleet.until(() => fleet.minPasses() >= 1));
  events.rotateStartedAt = Date.now();
  await writer.rotateSecret(rotated, { newValue });
  events.rotatedAt = Date.now();
  await fleet.until(() => fleet.seen.size === children.length);
  return fleet;
}

function progress(children) {
  const passes = new Map(children.map((child) => [child, 0]));
  const seen = new Map();
  let check = () => undefined;
  for (const child of children)
    child.on('message', (message) => {
      if (message?.t === 'pass') passes.set(child, passes.get(child) + 1);
      else if (message?.t === 'seen') seen.set(child, message.at);
      check();
    });
  return {
    seen,
    minPasses: () => Math.min(...passes.values()),
    snapshot: () => new Map(passes),
    passesSince: (before) => Math.min(...children.map((child) => passes.get(child) - before.get(child))),
    /** Resolves to true once `done()` holds, or to false after STEP_MS (the step is then reported). */
    until: (done) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => finish(false), STEP_MS);
        function finish(held) {
          clearTimeout(timer);
          check = () => undefined;
          resolve(held);
        }
        check = () => {
          if (done()) finish(true);
        };
        check();
      }),
  };
}

/** When each process first read the new value, from the start of the rotate call (it cannot be seen before). */
function printRotation(result, events, clients, how) {
  const delays = result.results
    .map((r) => r.rotatedSeenAt)
    .filter((t) => t !== undefined)
    .map((t) => t - events.rotateStartedAt)
    .sort((a, b) => a - b);
  const slowest = delays.length ? delays[delays.length - 1] : Number.NaN;
  if (events.coldStart)
    console.log(
      `  (the fleet had not finished its first pass over the names in ${STEP_MS / 1000} s: the rotation began while every process was still missing)`,
    );
  const callMs = events.rotatedAt - events.rotateStartedAt;
  // After the call returned: the invalidation's own window, without the backend's write (which,
  // on two cores shared with the fleet's readers, can take the larger part).
  console.log(
    `  rotate (${how}; the call took ${callMs} ms): ${delays.length}/${clients} processes saw the new value, the last ${slowest} ms after the call began, ${Math.max(0, slowest - callMs)} ms after it returned (median ${delays[Math.floor(delays.length / 2)] ?? Number.NaN} ms after it began); within 1000 ms of the call's start: ${delays.length === clients && slowest <= 1000 ? 'yes' : 'no'}`,
  );
}

function failureNote(result) {
  return result.failures ? ` (by code ${JSON.stringify(result.failureCodes)})` : '';
}
