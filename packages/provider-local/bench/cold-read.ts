// A fresh process doing what `hush get NAME` / `hush list` do on their direct path: read the
// configuration (parsed-config cache), open the local store, read one secret or list them all.
//   node cold-read.cjs <project> <parsed-cache-dir> load|config|initialize|get|list [name]
// `load` and `config` stop early, to tell the cost of each step. With HUSH_BENCH_PHASES=1 the
// milliseconds of each step go to standard error.
import { writeSync } from 'node:fs';
import { loadConfig, selectEnvironment } from '@hush/core';
import { LocalSecretProvider } from '../src/provider.js';

const phases: string[] = [];
// process.hrtime, not performance.now(): the global `performance` loads perf_hooks.
const now = () => Number(process.hrtime.bigint()) / 1e6;
let last = now();
function phase(name: string): void {
  const at = now();
  phases.push(`${name} ${(at - last).toFixed(2)}`);
  last = at;
}

async function main(): Promise<void> {
  const [cwd, cacheDir, mode, name] = process.argv.slice(2) as [string, string, string, string?];
  phase('start');
  if (mode === 'load') return;
  const config = await loadConfig({ cwd, env: process.env, parsedCacheDir: cacheDir });
  phase('loadConfig');
  if (!config) throw new Error('no configuration');
  if (mode === 'config') return;
  const { environment } = selectEnvironment(config);
  const local = environment.providers.find((p) => p.kind === 'local');
  if (!local) throw new Error('no local provider');
  const provider = new LocalSecretProvider({
    ...local.options,
    name: local.name,
    root: config.root,
    ...(process.env.HUSH_BENCH_SYNC_READS ? { syncReads: true } : {}),
  });
  await provider.initialize();
  phase('initialize');
  if (mode === 'initialize') return;
  if (mode === 'get') {
    const secret = await provider.get(name!);
    if (!secret) throw new Error('missing');
    phase('get');
    writeSync(1, `${secret.value.length}\n`);
  } else {
    const infos = await provider.list();
    phase('list');
    writeSync(1, `${infos.length}\n`);
  }
}

main()
  .then(() => {
    if (process.env.HUSH_BENCH_PHASES) process.stderr.write(`${phases.join('  ')}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
