// The agent of the fleet benchmark: what `hush agent` runs (startAgent over the configured
// manager, refresh-ahead on), here over the AWS emulator and, when FLEET_REDIS_URL is set, the
// shared Redis tier. FLEET_ALLOW_WRITES=1 is `--allow-writes` (the fault run rotates through it).

import { startAgent } from '@hush/agent';
import { SecretManager } from '@hush/core';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';

const env = process.env;
const agent = await startAgent({
  socket: env.FLEET_SOCKET,
  log: () => undefined,
  allowWrites: env.FLEET_ALLOW_WRITES === '1',
  busyPoll: env.FLEET_BUSY_POLL ?? 'auto',
  load: async () => {
    const cacheTiers = [];
    if (env.FLEET_REDIS_URL) {
      const { RedisCacheTier } = await import('@hush/cache-redis');
      const tier = new RedisCacheTier({ url: env.FLEET_REDIS_URL, prefix: env.FLEET_PREFIX }, 'bench');
      await tier.connect();
      await tier.subscribed();
      cacheTiers.push({ tier, key: env.FLEET_TIER_KEY, lockWait: '5s', timeout: '1s' });
    }
    const manager = new SecretManager({
      providers: [
        new AwsSecretsManagerProvider({
          endpoint: env.FLEET_AWS_ENDPOINT,
          region: 'us-east-1',
          credentials: { accessKeyId: env.FLEET_AWS_KEY_ID, secretAccessKey: env.FLEET_AWS_SECRET },
        }),
      ],
      cache: { refreshAhead: 0.2 },
      environment: 'bench',
      cacheTiers,
    });
    return { manager, environment: 'bench' };
  },
});
process.on('SIGTERM', () => agent.stop().then(() => process.exit(0)));
process.send({ ready: true, busyPollMs: agent.busyPollMs });
