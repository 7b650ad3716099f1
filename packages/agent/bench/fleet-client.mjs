// One process of the fleet benchmark. FLEET_MODE: direct | agent | redis | fault-agent | fault-redis.
// Says 'ready', waits for 'go', reads the secrets (rounds × names, or until 'stop' in a fault
// run, telling the parent of each pass and of the first read of the rotated value), and reports
// its read latencies, failures (by code), failovers and tier trouble. It never prints a value:
// the rotated one is only compared.
import { SecretManager } from '@hush/core';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';

const env = process.env;
const mode = env.FLEET_MODE;
const fault = mode.startsWith('fault-');
const names = JSON.parse(env.FLEET_NAMES);
const rounds = Number(env.FLEET_ROUNDS);
const aws = new AwsSecretsManagerProvider({
  endpoint: env.FLEET_AWS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: env.FLEET_AWS_KEY_ID, secretAccessKey: env.FLEET_AWS_SECRET },
});
const providers = [aws];
if (mode === 'agent' || mode === 'fault-agent') {
  const { AgentProvider } = await import('@hush/provider-agent');
  providers.unshift(new AgentProvider({ socket: env.FLEET_SOCKET }));
}
const cacheTiers = [];
if (mode === 'redis' || mode === 'fault-redis') {
  const { RedisCacheTier } = await import('@hush/cache-redis');
  const tier = new RedisCacheTier({ url: env.FLEET_REDIS_URL, prefix: env.FLEET_PREFIX }, 'bench');
  await tier.connect();
  await tier.subscribed();
  cacheTiers.push({ tier, key: env.FLEET_TIER_KEY, lockWait: '5s', timeout: '1s' });
}
const manager = new SecretManager({
  providers,
  environment: 'bench',
  cacheTiers,
  ...(env.FLEET_CACHE_TTL ? { cache: { ttl: env.FLEET_CACHE_TTL } } : {}),
});
await manager.initialize().catch(() => undefined);

const latencies = [];
let failures = 0;
const failureCodes = {};
let stop = false;
let rotatedSeenAt;

function fail(code) {
  failures++;
  failureCodes[code] = (failureCodes[code] ?? 0) + 1;
}

async function read(name) {
  const started = process.hrtime.bigint();
  try {
    const secret = await manager.getSecret(name);
    if (!secret) fail('NOT_FOUND');
    else if (
      name === env.FLEET_ROTATED &&
      rotatedSeenAt === undefined &&
      secret.value === env.FLEET_ROTATED_VALUE
    ) {
      rotatedSeenAt = Date.now();
      process.send({ t: 'seen', at: rotatedSeenAt });
    }
  } catch (error) {
    // The code, and the first provider's code behind it (TIMEOUT, ECONNRESET...): never a message.
    const behind = error?.failures?.[0]?.code;
    fail(`${error?.code ?? error?.name ?? 'ERROR'}${behind ? `/${behind}` : ''}`);
  }
  latencies.push(Number(process.hrtime.bigint() - started) / 1000);
}

/** A fault run reads until told to stop, the rotated secret after every tenth name (so that its change is seen soon). */
async function readUntilStopped() {
  while (!stop) {
    for (let i = 0; i < names.length && !stop; i++) {
      await read(names[i]);
      if (i % 10 === 9) await read(env.FLEET_ROTATED);
    }
    process.send({ t: 'pass' });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

process.on('message', async (message) => {
  if (message === 'stop') {
    stop = true;
    return;
  }
  if (message !== 'go') return;
  if (fault) await readUntilStopped();
  else for (let round = 0; round < rounds; round++) for (const name of names) await read(name);
  const metrics = await manager.getMetrics();
  const tiers = Object.values(metrics.cache.tiers ?? {});
  const tier = (counter) => tiers.reduce((a, t) => a + (t[counter] ?? 0), 0);
  process.send({
    t: 'result',
    latencies,
    failures,
    failureCodes,
    rotatedSeenAt,
    failovers: metrics.providers.agent?.failovers ?? 0,
    tierTrouble: tier('timeouts') + tier('errors') + tier('skipped'),
    lockTimeouts: tier('lockTimeouts'),
  });
});
// Exit only when the parent closes the channel, which it does once it holds the result: an exit
// right after a large message can reach the parent before the message does.
process.on('disconnect', () => {
  manager.dispose().finally(() => process.exit(0));
});
process.send('ready');
