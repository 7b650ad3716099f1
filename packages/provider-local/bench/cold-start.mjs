// Whole fresh processes against `node -e 0`: a read of one secret and a listing of a
// 10,000-secret local store, configuration read through the parsed-config cache.
//   node bench/cold-start.mjs [rounds] [other-bundle.cjs ...]
// Build first (`npx turbo run build --filter=@hush/provider-local...`). The program is bundled
// from the sources into one CommonJS file, as the command line ships them. Runs are interleaved
// (a round runs every variant once) and medians reported, so that load on the machine falls on
// every variant alike. Bundles named on the command line (e.g. one built from an older commit)
// are run in the same rounds, to compare before and after. The tree's program also runs with
// the provider's `syncReads`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LocalSecretProvider } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 20);
const others = process.argv.slice(3).map((p) => resolve(p));
const SIZE = 10_000;
const work = mkdtempSync(join(tmpdir(), 'hush-cold-'));
const project = join(work, 'project');
const cacheDir = join(work, 'cache');
mkdirSync(project);

writeFileSync(
  join(project, 'hush.config.yaml'),
  [
    'version: 1',
    'defaultEnvironment: dev',
    'environments:',
    '  dev:',
    '    providers:',
    '      - kind: local',
    '        options:',
    '          path: .hush/secrets.enc.json',
    '      - kind: env',
    '        optional: true',
    '    defaultWriteProvider: local',
    '',
  ].join('\n'),
);
const entries = Object.fromEntries(
  Array.from({ length: SIZE }, (_, i) => [`app/service-${i}/token`, `value-${i}-${'x'.repeat(40)}`]),
);
// The key file is created by the first write, as `hush init` does.
await new LocalSecretProvider({ root: project, env: {} }).setMany(entries);

const bundle = join(work, 'cold-read.cjs');
await build({
  entryPoints: [join(here, 'cold-read.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  alias: { '@hush/core': resolve(here, '../../core/src/index.ts') },
  logLevel: 'error',
});
if (process.env.HUSH_BENCH_KEEP) copyFileSync(bundle, process.env.HUSH_BENCH_KEEP);

const env = { PATH: process.env.PATH, HOME: work };
const syncEnv = { ...env, HUSH_BENCH_SYNC_READS: '1' };
const variants = [{ name: 'node -e 0', args: ['-e', '0'], env }];
for (const program of [bundle, ...others]) {
  const label = program === bundle ? 'this tree' : basename(program);
  const get = [program, project, cacheDir, 'get', 'app/service-4242/token'];
  const list = [program, project, cacheDir, 'list'];
  variants.push({ name: `get  (${label})`, args: get, env }, { name: `list (${label})`, args: list, env });
  if (program === bundle)
    variants.push(
      { name: `get  (${label}, syncReads)`, args: get, env: syncEnv },
      { name: `list (${label}, syncReads)`, args: list, env: syncEnv },
    );
}

function run({ args, env }) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(' ')}: ${child.stderr}`);
  return ms;
}

// Warm the parsed-config cache and the page cache.
for (const v of variants) run(v);
const times = new Map(variants.map((v) => [v.name, []]));
for (let round = 0; round < rounds; round++) for (const v of variants) times.get(v.name).push(run(v));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get('node -e 0'));
for (const v of variants) {
  const m = median(times.get(v.name));
  const min = Math.min(...times.get(v.name));
  console.log(
    `${v.name.padEnd(40)} median ${m.toFixed(1).padStart(6)} ms  ${(m / base).toFixed(2)}x  (min ${min.toFixed(1)} ms)`,
  );
}
console.log(`${rounds} interleaved rounds; store of ${SIZE} secrets`);
rmSync(work, { recursive: true, force: true });
