// One process of the fleet benchmark. FLEET_MODE: direct | agent | redis | fault.
// Says 'ready', waits for 'go', reads the secrets (rounds × names, or until 'stop' in the fault
// run), and reports its read latencies, failures and when it first saw a rotated value.
import { SecretManager } from '@hush/core';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';

const env = process.env;
const mode = env.FLEET_MODE;
const names = JSON.parse(env.FLEET_NAMES);
const rounds = Number(env.FLEET_ROUNDS);
const aws = new AwsSecretsManagerProvider({
  endpoint: env.FLEET_AWS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: env.FLEET_AWS_KEY_ID, secretAccessKey: env.FLEET_AWS_SECRET },
  maxAttempts: 1,
});
const providers = [aws];
if (mode === 'agent' || mode === 'fault') {
  const { AgentProvider } = await import('@hush/provider-agent');
  providers.unshift(new AgentProvider({ socket: env.FLEET_SOCKET, timeoutMs: 2000 }));
}
const cacheTiers = [];
if (mode === 'redis' || mode === 'fault') {
  const { RedisCacheTier } = await import('@hush/cache-redis');
  const tier = new RedisCacheTier({ url: env.FLEET_REDIS_URL, prefix: env.FLEET_PREFIX }, 'bench');
  await tier.connect();
  await tier.subscribed();
  cacheTiers.push({ tier, key: env.FLEET_TIER_KEY, lockWait: '5s', timeout: '1s' });
}
const manager = new SecretManager({ providers, environment: 'bench', cacheTiers });
await manager.initialize().catch(() => undefined);

const latencies = [];
let failures = 0;
let stop = false;
let rotatedSeenAt;

async function read(name) {
  const started = process.hrtime.bigint();
  try {
    const secret = await manager.getSecret(name);
    if (!secret) failures++;
    else if (
      name === env.FLEET_ROTATED &&
      secret.value === env.FLEET_ROTATED_VALUE &&
      rotatedSeenAt === undefined
    )
      rotatedSeenAt = Date.now();
  } catch {
    failures++;
  }
  latencies.push(Number(process.hrtime.bigint() - started) / 1000);
}

process.on('message', async (message) => {
  if (message === 'stop') {
    stop = true;
    return;
  }
  if (message !== 'go') return;
  if (mode === 'fault') {
    while (!stop) {
      for (const name of names) await read(name);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } else for (let round = 0; round < rounds; round++) for (const name of names) await read(name);
  const metrics = await manager.getMetrics();
  const result = { latencies, failures, rotatedSeenAt, failovers: metrics.providers.agent?.failovers ?? 0 };
  // Exit only once the result is on its way, so that it reaches the parent before the exit does.
  process.send(result, () => {
    manager.dispose().finally(() => process.exit(0));
  });
});
process.send('ready');
