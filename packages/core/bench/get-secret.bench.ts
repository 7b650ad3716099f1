import { MemoryProvider } from '@hush/testkit';
import { bench, describe } from 'vitest';
import { SecretManager } from '../src/index.js';

const keys = Array.from({ length: 1000 }, (_, i) => `app/secret-${i}`);
const provider = new MemoryProvider({ secrets: Object.fromEntries(keys.map((k) => [k, `value-of-${k}`])) });
const cached = new SecretManager({ providers: [provider] });
const uncached = new SecretManager({ providers: [provider], cache: { enabled: false } });
// A backend 1 ms away, to show what the cache saves against a real network hop.
const remote = new MemoryProvider({
  name: 'remote',
  secrets: Object.fromEntries(keys.map((k) => [k, `value-of-${k}`])),
});
remote.faults.latencyMs = 1;
const remoteCached = new SecretManager({ providers: [remote] });
const remoteUncached = new SecretManager({ providers: [remote], cache: { enabled: false } });
const template = {
  database: { url: 'postgres://${secret:app/secret-1}@db/${secret:app/secret-2}' },
  api: ['${secret:app/secret-3}'],
};
let i = 0;

describe('getSecret against the in-memory provider', () => {
  bench(
    'cached (hit)',
    async () => {
      await cached.getSecret(keys[i++ % 100]!);
    },
    {
      setup: async () => {
        for (const k of keys.slice(0, 100)) await cached.getSecret(k);
      },
    },
  );

  bench('uncached', async () => {
    await uncached.getSecret(keys[i++ % keys.length]!);
  });

  bench(
    'cached (hit), backend 1 ms away',
    async () => {
      await remoteCached.getSecret(keys[i++ % 100]!);
    },
    {
      setup: async () => {
        for (const k of keys.slice(0, 100)) await remoteCached.getSecret(k);
      },
    },
  );

  bench(
    'uncached, backend 1 ms away',
    async () => {
      await remoteUncached.getSecret(keys[i++ % keys.length]!);
    },
    { iterations: 200, time: 500 },
  );

  bench('resolve a template with 3 references (cached)', async () => {
    await cached.resolve(template);
  });
});
