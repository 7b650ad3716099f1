import { SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { bench, describe } from 'vitest';
import { SecretAccessControl } from '../src/index.js';

// 10,000 cached reads through a real manager, without access control and with 200 grants
// (names and patterns) in the in-memory store.
const READS = 10_000;

async function managerWith(control?: SecretAccessControl) {
  const manager = new SecretManager({
    providers: [new MemoryProvider({ secrets: { 'api-key-stripe': 'bench-value' } })],
    plugins: control ? [control.plugin()] : [],
    cache: { ttl: '1h' },
  });
  await manager.getSecret('api-key-stripe', { accessor: 'consumer' });
  return manager;
}

const control = new SecretAccessControl({ rootAccessors: ['warmup'] });
for (let i = 0; i < 100; i++) await control.grant(`service-${i}/*`, 'consumer', 'read');
for (let i = 0; i < 99; i++) await control.grant(`other-${i}`, 'consumer', 'write');
await control.grant('api-key-*', 'consumer', 'read');
const plain = await managerWith();
const checked = await managerWith(control);

async function reads(manager: SecretManager) {
  for (let i = 0; i < READS; i++) await manager.getSecret('api-key-stripe', { accessor: 'consumer' });
}

describe('10,000 cached reads, one after another', () => {
  bench('no access control', () => reads(plain), { iterations: 5, warmupIterations: 1 });
  bench('access control, 200 grants for the accessor', () => reads(checked), {
    iterations: 5,
    warmupIterations: 1,
  });
});
