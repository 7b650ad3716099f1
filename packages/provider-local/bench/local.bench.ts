import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, bench, describe } from 'vitest';
import { generateMasterKey, LocalSecretProvider } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SIZE = 10_000;
const work = mkdtempSync(join(tmpdir(), 'hush-local-bench-'));
const key = generateMasterKey();
const entries = Object.fromEntries(
  Array.from({ length: SIZE }, (_, i) => [`app/service-${i}/token`, `value-${i}-${'x'.repeat(40)}`]),
);

// The 10,000-secret store every read/set benchmark uses.
const big = join(work, 'big');
await new LocalSecretProvider({ root: big, masterKey: key, env: {} }).setMany(entries);

const child = join(work, 'get.cjs');
await build({
  entryPoints: [join(here, 'fixtures-get.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: child,
  alias: { '@hush/core': resolve(here, '../../core/src/index.ts') },
  logLevel: 'error',
});

const inProcess: number[] = [];
afterAll(() => {
  inProcess.sort((a, b) => a - b);
  const median = inProcess[Math.floor(inProcess.length / 2)];
  const size = statSync(join(big, '.hush', 'secrets.enc.json')).size;
  console.log(
    `store: ${SIZE} secrets, ${(size / 1024 / 1024).toFixed(1)} MiB; fresh-process get, time inside the process (open, parse, verify MAC, decrypt one): median ${median} ms over ${inProcess.length} runs`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe('local provider, 10,000 secrets', () => {
  bench(
    'baseline: start an empty node process',
    () => {
      execFileSync(process.execPath, ['-e', '']);
    },
    { iterations: 10, time: 0 },
  );

  bench(
    'get one secret in a fresh process (node start-up included)',
    () => {
      const ms = execFileSync(process.execPath, [child, big, key, 'app/service-4242/token'], {
        encoding: 'utf8',
      });
      inProcess.push(Number(ms.trim()));
    },
    { iterations: 10, time: 0 },
  );

  let n = 0;
  bench(
    'bulk import of 10,000 secrets (setMany, one write)',
    async () => {
      await new LocalSecretProvider({ root: join(work, `import-${n++}`), masterKey: key, env: {} }).setMany(
        entries,
      );
    },
    { iterations: 5, time: 0 },
  );

  const warm = new LocalSecretProvider({ root: big, masterKey: key, env: {} });
  let i = 0;
  bench(
    'single set into the 10,000-secret store (warm provider)',
    async () => {
      await warm.set(`app/service-${i++ % SIZE}/token`, 'rotated');
    },
    { iterations: 20, time: 0 },
  );

  bench(
    'single set into the 10,000-secret store (new provider instance: parse + verify + write)',
    async () => {
      await new LocalSecretProvider({ root: big, masterKey: key, env: {} }).set(
        `app/service-${i++ % SIZE}/token`,
        'rotated',
      );
    },
    { iterations: 10, time: 0 },
  );
});
