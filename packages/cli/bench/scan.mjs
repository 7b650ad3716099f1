// pnpm bench (@hush/cli): `hush scan` over a generated working tree, side by side with
// `grep -rF` given the same values (the floor of an exact-value search: one Aho-Corasick pass,
// raw values only, as teller's scan does) and given their encoded forms too. Each is a whole
// process, timed from spawn to exit; hush's fixed cost (start, reading the secrets) is measured on
// a one-file scan and taken out for its throughput. SCAN_SECRETS, SCAN_MEGABYTES and SCAN_ROUNDS
// shrink it (defaults 200, 64, 3).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECRETS = Number(process.env.SCAN_SECRETS ?? 200);
const MEGABYTES = Number(process.env.SCAN_MEGABYTES ?? 64);
const ROUNDS = Number(process.env.SCAN_ROUNDS ?? 3);
const FILES = 256;
const BIN = fileURLToPath(new URL('../bin/hush.cjs', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'hush-scan-bench-'));
const env = {
  PATH: process.env.PATH ?? '',
  HOME: work,
  NO_COLOR: '1',
  HUSH_QUIET: '1',
  HUSH_MASTER_KEY: randomBytes(32).toString('base64'),
};

function run(command, args, cwd = work) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  return { ...result, ms };
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function timed(command, args, check) {
  const samples = [];
  let last;
  for (let round = 0; round < ROUNDS; round++) {
    last = run(command, args);
    check(last);
    samples.push(last.ms);
  }
  return { ms: median(samples), last };
}

/** The forms a grep is given for the second row: raw, base64 (unpadded), base64url, hex, URL-encoded. */
function formsOf(value) {
  const bytes = Buffer.from(value);
  return [
    value,
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(value),
  ];
}

try {
  writeFileSync(join(work, 'hush.config.yaml'), 'environments:\n  dev:\n    providers: [{ kind: local }]\n');
  const values = Array.from({ length: SECRETS }, () => `sk_${randomBytes(18).toString('base64url')}`);
  writeFileSync(
    join(work, 'seed.env'),
    values.map((v, i) => `BENCH_SECRET_${String(i).padStart(4, '0')}=${v}`).join('\n'),
  );
  const imported = run(process.execPath, [BIN, 'import', 'seed.env']);
  if (imported.status !== 0) throw new Error(`hush import failed: ${imported.stderr}`);
  rmSync(join(work, 'seed.env'));
  writeFileSync(join(work, '.gitignore'), '.hush/\nvalues*.txt\n');

  // Log-like text; every file carries one planted value, raw or in base64.
  const tree = join(work, 'src');
  mkdirSync(tree);
  const fileBytes = Math.floor((MEGABYTES * 1024 * 1024) / FILES);
  const line = (i) =>
    `2026-12-01T10:00:00.${String(i % 1000).padStart(3, '0')}Z INFO request ${i} served in ${i % 97} ms by worker ${i % 8} user=${(i * 7919) % 10007}\n`;
  const block = Array.from({ length: 4000 }, (_, i) => line(i)).join('');
  let planted = 0;
  for (let f = 0; f < FILES; f++) {
    const value = values[f % SECRETS];
    const leak = f % 2 ? `token=${value}\n` : `auth: ${Buffer.from(value).toString('base64')}\n`;
    const body = block.repeat(Math.ceil(fileBytes / block.length)).slice(0, fileBytes - leak.length);
    const cut = body.lastIndexOf('\n', Math.floor(body.length / 2)) + 1;
    writeFileSync(
      join(tree, `log-${String(f).padStart(3, '0')}.txt`),
      body.slice(0, cut) + leak + body.slice(cut),
    );
    planted++;
  }
  writeFileSync(join(work, 'values.txt'), `${values.join('\n')}\n`);
  writeFileSync(join(work, 'values-forms.txt'), `${values.flatMap(formsOf).join('\n')}\n`);
  writeFileSync(join(work, 'one.txt'), 'nothing here\n');

  const findings = (result) => {
    if (result.status !== 1) throw new Error(`hush scan exited ${result.status}: ${result.stderr}`);
    const report = JSON.parse(result.stdout);
    if (report.findings.length !== planted)
      throw new Error(`hush scan found ${report.findings.length} of ${planted} planted values`);
  };
  const hush = timed(process.execPath, [BIN, 'scan', 'src', '--json'], findings);
  const fixed = timed(process.execPath, [BIN, 'scan', 'one.txt', '--json'], (r) => {
    if (r.status !== 0) throw new Error(`hush scan of a clean file exited ${r.status}: ${r.stderr}`);
  });
  const grepCheck = (expected) => (result) => {
    const hits = result.stdout.split('\n').filter(Boolean).length;
    if (result.status !== 0 || hits !== expected) throw new Error(`grep found ${hits} of ${expected}`);
  };
  const grepRaw = timed('grep', ['-rFl', '-f', 'values.txt', 'src'], grepCheck(FILES / 2));
  const grepForms = timed('grep', ['-rFl', '-f', 'values-forms.txt', 'src'], grepCheck(FILES));

  const mbps = (ms) => (MEGABYTES / (ms / 1000)).toFixed(0);
  const rows = [
    ['', 'ms (median)', 'MB/s', 'found', 'vs hush'],
    [
      `hush scan (${SECRETS} secrets, every form)`,
      hush.ms.toFixed(0),
      mbps(hush.ms),
      `${planted}/${planted}`,
      '1.00×',
    ],
    [
      '  without its fixed cost',
      (hush.ms - fixed.ms).toFixed(0),
      mbps(hush.ms - fixed.ms),
      '',
      `fixed cost ${fixed.ms.toFixed(0)} ms`,
    ],
    [
      'grep -rF, raw values',
      grepRaw.ms.toFixed(0),
      mbps(grepRaw.ms),
      `${FILES / 2}/${planted}`,
      `${(hush.ms / grepRaw.ms).toFixed(2)}×`,
    ],
    [
      'grep -rF, raw and 4 encodings',
      grepForms.ms.toFixed(0),
      mbps(grepForms.ms),
      `${planted}/${planted}`,
      `${(hush.ms / grepForms.ms).toFixed(2)}×`,
    ],
  ];
  console.log(`\nhush scan: ${MEGABYTES} MB in ${FILES} files, ${SECRETS} secrets, ${ROUNDS} rounds each`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  for (const row of rows) console.log(`  ${row.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')}`);
  console.log(
    '  (vs hush: how many times longer hush takes; grep keeps the values in the clear, hush only keyed hashes)',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
