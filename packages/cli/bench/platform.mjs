// pnpm bench (@hush/cli): the platform commands against the Vault emulator.
// 1. `hush setup-app` on 3 environments × 3 secrets (9 generated secrets, 3 read policies), beside
//    the same work by hand (9 `hush set` and 3 `hush policy set` processes) and the floor (the 12
//    writes as direct HTTP requests), and the idempotent re-run that finds everything in place.
// 2. Lease renewal timing on the emulator's clock: when the manager renews a dynamic credential
//    (share of the lease elapsed, TTL left at Vault), and what one renewal costs beside a KV read.
// PLATFORM_ROUNDS sets the rounds (default 5).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretManager } from '@hush/core';
import { startVaultEmulator } from '@hush/emulators';
import { VaultProvider } from '@hush/provider-vault';

const ROUNDS = Number(process.env.PLATFORM_ROUNDS ?? 5);
const BIN = fileURLToPath(new URL('../bin/hush.cjs', import.meta.url));
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const SECRETS = ['db-password', 'api-key', 'jwt-secret'];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (started) => Number(process.hrtime.bigint() - started) / 1e6;

function table(title, rows) {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  for (const row of rows) console.log(`  ${row.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')}`);
}

/** Runs the built `hush` in `work`, asynchronously: the emulator answers from this same process. */
function hushIn(work, env) {
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve({ stdout })
          : reject(new Error(`hush ${args.join(' ')} exited ${code}: ${stderr}`)),
      );
      child.stdin.end(input ?? '');
    });
}

/** The read policy setup-app writes per environment. */
const readPolicy = (app, environment) =>
  [
    `path "secret/data/${app}/${environment}/*" { capabilities = ["read"] }`,
    `path "secret/metadata/${app}/${environment}/*" { capabilities = ["read", "list"] }`,
    '',
  ].join('\n');

/** One Vault write over plain HTTP (the floor: no process, no SDK). */
const vaultWriter = (vault) => async (path, body) => {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'x-vault-token': vault.rootToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  await response.arrayBuffer();
};

const generated = () => randomBytes(24).toString('base64url');

/** One round of each contender, each on an application of its own. */
async function setupRound(round, { hush, vaultWrite, work, samples }) {
  const args = [
    'setup-app',
    `shop${round}`,
    '--environments',
    ENVIRONMENTS.join(','),
    '--secrets',
    SECRETS.join(','),
  ];
  let started = process.hrtime.bigint();
  await hush([...args, '--rotation', '30d']);
  samples.setup.push(ms(started));
  started = process.hrtime.bigint();
  const again = await hush([...args, '--rotation', '30d', '--json']);
  samples.rerun.push(ms(started));
  if (!again.stdout.includes('"keep"')) throw new Error('the re-run did not find the secrets in place');

  const manual = `hand${round}`;
  started = process.hrtime.bigint();
  for (const environment of ENVIRONMENTS) {
    for (const secret of SECRETS)
      await hush(['set', `${manual}/${environment}/${secret}`, '--tag', 'rotation=30d'], generated());
    const file = join(work, `${manual}-${environment}.hcl`);
    writeFileSync(file, readPolicy(manual, environment));
    await hush(['policy', 'set', `${manual}-${environment}-read`, file]);
  }
  samples.byHand.push(ms(started));

  const direct = `floor${round}`;
  started = process.hrtime.bigint();
  for (const environment of ENVIRONMENTS) {
    for (const secret of SECRETS)
      await vaultWrite(`secret/data/${direct}/${environment}/${secret}`, { data: { value: generated() } });
    await vaultWrite(`sys/policies/acl/${direct}-${environment}-read`, {
      policy: readPolicy(direct, environment),
    });
  }
  samples.floor.push(ms(started));
}

async function setupApp() {
  const vault = await startVaultEmulator();
  const work = mkdtempSync(join(tmpdir(), 'hush-platform-bench-'));
  const env = { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1', VAULT_TOKEN: vault.rootToken };
  writeFileSync(
    join(work, 'hush.config.yaml'),
    [
      'environments:',
      '  dev:',
      '    providers:',
      '      - kind: vault',
      `        options: { address: '${vault.url}', token: '\${env:VAULT_TOKEN}', retries: 0 }`,
      '',
    ].join('\n'),
  );
  const hush = hushIn(work, env);
  const samples = { setup: [], rerun: [], byHand: [], floor: [] };
  try {
    await hush(['list']); // warm the file cache
    for (let round = 0; round < ROUNDS; round++)
      await setupRound(round, { hush, vaultWrite: vaultWriter(vault), work, samples });
  } finally {
    await vault.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const setup = median(samples.setup);
  const rows = [['', 'median ms', 'per secret ms', 'vs setup-app']];
  for (const [name, key] of [
    ['hush setup-app (3 envs × 3 secrets, 3 policies)', 'setup'],
    ['hush setup-app again (all in place)', 'rerun'],
    ['by hand: 9 hush set + 3 hush policy set', 'byHand'],
    ['floor: the 12 writes as direct HTTP requests', 'floor'],
  ]) {
    const value = median(samples[key]);
    rows.push([name, value.toFixed(0), (value / 9).toFixed(1), `${(value / setup).toFixed(2)}×`]);
  }
  table(`setup-app against the Vault emulator (${ROUNDS} rounds, medians)`, rows);
}

/** A clock shared by the emulator, the provider and the manager; time moves only when told. */
class ManualClock {
  now = Date.UTC(2026, 5, 1, 9, 0);
  timers = [];
  schedule = (work, delayMs) => {
    const timer = { at: this.now + Math.max(0, delayMs), work, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  /** Moves the clock to the next due task, calls `before`, runs it; false when none falls before `limit`. */
  async next(limit, before, settle) {
    const due = this.timers.filter((t) => t.live && t.at <= limit).sort((a, b) => a.at - b.at)[0];
    if (!due) return false;
    due.live = false;
    this.now = Math.max(this.now, due.at);
    await before();
    due.work();
    await settle();
    return true;
  }
}

/**
 * Four hours and a half of the emulator's clock, a task at a time: when each renewal runs (the
 * share of the grant elapsed, the TTL Vault had left just before and granted after), and what
 * happens when the role's max TTL is near.
 */
async function renewalTimeline({ clock, manager, lookup }) {
  const rows = [
    ['event', 'at (min)', 'since last grant', 'share of lease', 'TTL left at Vault before', 'after'],
  ];
  const ttlOf = (looked) =>
    looked ? `${Math.round((Date.parse(looked.expire_time) - clock.now) / 1000)}s` : 'gone';
  const first = await manager.getSecret('database/creds/app', { required: true });
  const issued = clock.now;
  let grantAt = issued;
  let grant = first.lease.durationSeconds;
  let leaseId = first.lease.id;
  rows.push(['credential read', '0', '', '', `${grant}s`, `${grant}s`]);
  let before;
  const lookBefore = async () => {
    before = ttlOf(await lookup(leaseId));
  };
  while (
    rows.length < 14 &&
    (await clock.next(issued + 4.5 * 3_600_000, lookBefore, () => manager.leases.idle()))
  ) {
    const looked = await lookup(leaseId);
    const held = manager.leases.list()[0];
    const current = await manager.getSecret('database/creds/app', { required: true });
    const elapsed = (clock.now - grantAt) / 1000;
    const replaced = current.lease.id !== leaseId;
    rows.push([
      replaced ? 'new credential (max TTL near)' : `renewal ${held?.renewals ?? '?'}`,
      ((clock.now - issued) / 60_000).toFixed(1),
      `${elapsed.toFixed(0)}s`,
      (elapsed / grant).toFixed(3),
      before,
      replaced ? `new lease ${current.lease.durationSeconds}s` : ttlOf(looked),
    ]);
    leaseId = current.lease.id;
    grantAt = clock.now;
    grant = current.lease.durationSeconds;
  }
  table("lease renewal on the emulator's clock (role: 1h TTL, 4h max; renewFraction default 2/3)", rows);
}

/** What one renewal costs on the wire, beside a KV read, in interleaved rounds. */
async function renewalCost(provider) {
  await provider.set('bench/kv', 'value');
  const lease = (await provider.get('database/creds/app')).lease;
  const renew = [];
  const read = [];
  for (let round = 0; round < 15; round++) {
    let started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) await provider.renewLease(lease, { incrementSeconds: 3600 });
    renew.push(ms(started) / 20);
    started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) await provider.get('bench/kv');
    read.push(ms(started) / 20);
  }
  table('one renewal round trip (sys/leases/renew) beside a KV read, medians of 15 rounds × 20', [
    ['call', 'median ms', 'vs KV read'],
    ['renew a lease', median(renew).toFixed(2), `${(median(renew) / median(read)).toFixed(2)}×`],
    ['KV read (peer)', median(read).toFixed(2), '1.00×'],
  ]);
}

async function leaseRenewal() {
  const clock = new ManualClock();
  const vault = await startVaultEmulator({
    now: () => clock.now,
    database: { roles: { app: { defaultTtl: '1h', maxTtl: '4h' } } },
  });
  const provider = new VaultProvider({
    address: vault.url,
    token: vault.rootToken,
    env: {},
    dynamic: ['database/creds/*'],
    now: () => clock.now,
  });
  const manager = new SecretManager({
    providers: [provider],
    now: () => clock.now,
    leases: { schedule: clock.schedule },
  });
  const lookup = async (id) => {
    const response = await fetch(`${vault.url}/v1/sys/leases/lookup`, {
      method: 'PUT',
      headers: { 'x-vault-token': vault.rootToken },
      body: JSON.stringify({ lease_id: id }),
    });
    return response.ok ? (await response.json()).data : undefined;
  };
  try {
    await renewalTimeline({ clock, manager, lookup });
    await renewalCost(provider);
  } finally {
    await manager.dispose();
    await vault.stop();
  }
}

await setupApp();
await leaseRenewal();
