// Bytes allocated per cached read through the agent's socket, beside AgentProvider.get alone:
// the difference is what the manager adds. Allocation, unlike time, does not move with the load
// of a shared machine, and it sets how often the young generation is collected, which is what a
// read's p99 pays for. The agent runs in this process (its allocations fall on both kinds alike).
//   npm run bench:allocation -- [--reads N]   (a young generation large enough that most rounds see no collection)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { SecretManager } = await import('@hush/core');
const { AgentProvider } = await import('@hush/provider-agent');
const { MemoryProvider } = await import('@hush/testkit');
const { startAgent } = await import('../dist/index.js');

const { values: args } = parseArgs({ options: { reads: { type: 'string', default: '200' } } });
const READS = Number(args.reads);
const ROUNDS = 41;

const folder = mkdtempSync(join(tmpdir(), 'hush-alloc-'));
const backend = new MemoryProvider({ secrets: { 'alloc/secret': 'allocation-bench-value-0123456789' } });
const socket = join(folder, 'run', 'agent.sock');
const agent = await startAgent({
  load: async () => ({ manager: new SecretManager({ providers: [backend] }), environment: 'bench' }),
  socket,
  log: () => {},
});
const provider = new AgentProvider({ socket });
const manager = new SecretManager({ providers: [provider] });
const kinds = [
  ['(a) getSecret through the agent socket', () => manager.getSecret('alloc/secret')],
  ['(b) AgentProvider.get alone', () => provider.get('alloc/secret')],
];

/** Heap growth over READS reads, per read; a round that a collection cut short reads low. */
async function round(read) {
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < READS; i++) await read();
  return (process.memoryUsage().heapUsed - before) / READS;
}

try {
  for (const [, read] of kinds) for (let i = 0; i < 2_000; i++) await read();
  const samples = kinds.map(() => []);
  for (let r = 0; r < ROUNDS; r++)
    for (let k = 0; k < kinds.length; k++) samples[k].push(await round(kinds[k][1]));
  // The median round: most rounds see no collection when the young generation is large.
  const median = samples.map((s) => s.sort((x, y) => x - y)[Math.floor(s.length / 2)]);
  for (const [k, [label]] of kinds.entries())
    console.log(`${label.padEnd(42)} ${median[k].toFixed(0).padStart(6)} bytes per read`);
  console.log(
    `the manager adds ${(median[0] - median[1]).toFixed(0)} bytes per read (${ROUNDS} rounds of ${READS} reads)`,
  );
} finally {
  await manager.dispose();
  await agent.stop();
  rmSync(folder, { recursive: true, force: true });
}
