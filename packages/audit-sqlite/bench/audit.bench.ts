import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagerPlugin, SecretManager } from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { bench, describe } from 'vitest';
import { auditSqlite } from '../src/index.js';

// 10,000 cached reads through a real manager, without audit and with each audit mode, on a file
// database in WAL mode. Compare the rows: the difference is what auditing costs.
const READS = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'hush-audit-bench-'));

async function managerWith(plugins: ManagerPlugin[]) {
  const manager = new SecretManager({
    providers: [
      new MemoryProvider({ secrets: { 'db-password': 'bench-value', 'api-key': 'another-value' } }),
    ],
    plugins,
    cache: { ttl: '1h' },
  });
  await manager.initialize();
  await manager.getSecret('db-password'); // warm the cache
  return manager;
}

const plain = await managerWith([]);
const closedLog = auditSqlite({ path: join(dir, 'closed.db'), failMode: 'closed' });
const openLog = auditSqlite({ path: join(dir, 'open.db'), failMode: 'open' });
await Promise.all([closedLog.ready, openLog.ready]);
const closed = await managerWith([closedLog]);
const open = await managerWith([openLog]);

async function sequential(manager: SecretManager) {
  for (let i = 0; i < READS; i++) await manager.getSecret('db-password', { accessor: 'bench' });
}

async function concurrent(manager: SecretManager) {
  await Promise.all(
    Array.from({ length: READS }, () => manager.getSecret('db-password', { accessor: 'bench' })),
  );
}

describe('10,000 cached reads, one after another', () => {
  bench('no audit', () => sequential(plain), { iterations: 5, warmupIterations: 1 });
  bench('audit fail-closed (each read waits for its commit)', () => sequential(closed), {
    iterations: 5,
    warmupIterations: 1,
  });
  bench(
    'audit fail-open (buffered, written in batches)',
    async () => {
      await sequential(open);
      await openLog.flush();
    },
    { iterations: 5, warmupIterations: 1 },
  );
});

describe('10,000 cached reads, all at once', () => {
  bench('no audit', () => concurrent(plain), { iterations: 5, warmupIterations: 1 });
  bench('audit fail-closed (group commit)', () => concurrent(closed), { iterations: 5, warmupIterations: 1 });
  bench(
    'audit fail-open',
    async () => {
      await concurrent(open);
      await openLog.flush();
    },
    { iterations: 5, warmupIterations: 1 },
  );
});
