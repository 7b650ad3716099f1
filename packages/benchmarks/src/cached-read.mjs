import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { auditSqlite } from '@hush/audit-sqlite';
import { SecretManager } from '@hush/core';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';
import { nsPerCallInterleaved, ratio, table } from './measure.mjs';

/**
 * A cached read, side by side: hush's getSecret, Powertools' SecretsProvider.get (both warmed
 * against the AWS emulator, so neither makes a request), and the floor: an awaited Map lookup
 * with an expiry check. Then what audit (fail-open) adds to each read.
 */
export async function cachedRead(emulator) {
  const connection = { endpoint: emulator.url, region: emulator.region, credentials: emulator.credentials };
  const seed = new AwsSecretsManagerProvider(connection);
  await seed.set('bench/cached', 'cached-value');
  const manager = new SecretManager({
    providers: [new AwsSecretsManagerProvider(connection)],
    cache: { ttl: '1h' },
  });
  await manager.getSecret('bench/cached');
  const powertools = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient(connection) });
  await powertools.get('bench/cached', { maxAge: 3600 });
  const floor = new Map([['bench/cached', { value: 'cached-value', until: Date.now() + 3_600_000 }]]);
  const floorGet = async (name) => {
    const entry = floor.get(name);
    return entry && Date.now() < entry.until ? entry.value : undefined;
  };

  emulator.resetCalls();
  const {
    hush,
    peer,
    floor: bottom,
    cpu: readCpu,
  } = await nsPerCallInterleaved({
    hush: () => manager.getSecret('bench/cached'),
    peer: () => powertools.get('bench/cached', { maxAge: 3600 }),
    floor: () => floorGet('bench/cached'),
  });
  const requests = Object.values(emulator.calls).reduce((a, b) => a + b, 0);

  // Audit, fail-open. The target is what the manager adds to a read when the audit sink fails
  // (fail-open: the read goes on, the entry is dropped and counted), beside the same read with
  // no plugin; two more rows say where the rest goes: the event path alone (a plugin with an
  // empty `after`) and audit-sqlite writing every entry to SQLite.
  const dir = mkdtempSync(join(tmpdir(), 'hush-bench-audit-'));
  const failingAudit = auditSqlite({ path: join(dir, 'failing.db'), failMode: 'open' });
  await failingAudit.ready;
  // Every batch write now fails ("no such table"), as a full disk or a broken database would.
  await failingAudit.db.schema.dropTable('secret_access_log').execute();
  const writingAudit = auditSqlite({ path: join(dir, 'audit.db'), failMode: 'open' });
  await writingAudit.ready;
  const managerWith = (plugins) =>
    new SecretManager({
      providers: [new AwsSecretsManagerProvider(connection)],
      plugins,
      cache: { ttl: '1h' },
    });
  const eventOnly = managerWith([{ name: 'event-only', after() {} }]);
  const failing = managerWith([failingAudit]);
  const writing = managerWith([writingAudit]);
  for (const m of [eventOnly, failing, writing]) await m.getSecret('bench/cached', { accessor: 'bench' });
  const read = (m) => () => m.getSecret('bench/cached', { accessor: 'bench' });
  const audited = await nsPerCallInterleaved(
    { plain: read(manager), eventOnly: read(eventOnly), failing: read(failing), writing: read(writing) },
    { iterations: 20_000 },
  );
  await failingAudit.flush();
  await writingAudit.flush();
  const failed = failingAudit.metrics();
  const wrote = writingAudit.metrics();
  if (failed.entriesWritten !== 0 || failed.writeFailures === 0)
    throw new Error(
      'the failing audit sink wrote entries: the fail-open measurement is not of a failing sink',
    );
  for (const m of [eventOnly, failing, writing]) await m.dispose();
  await manager.dispose();
  await seed.dispose();
  rmSync(dir, { recursive: true, force: true });

  const cpu = { hush: readCpu.hush, peer: readCpu.peer, bottom: readCpu.floor };
  table(
    'cached read (ns per awaited call, wall clock and CPU time; requests at the emulator during the runs)',
    [
      ['', 'ns/read', 'vs Powertools', 'vs floor', 'CPU ns/read', 'CPU vs Powertools', 'CPU vs floor'],
      [
        'hush getSecret',
        hush.toFixed(0),
        ratio(hush, peer),
        ratio(hush, bottom),
        cpu.hush.toFixed(0),
        ratio(cpu.hush, cpu.peer),
        ratio(cpu.hush, cpu.bottom),
      ],
      [
        'Powertools SecretsProvider.get',
        peer.toFixed(0),
        '1.00×',
        ratio(peer, bottom),
        cpu.peer.toFixed(0),
        '1.00×',
        ratio(cpu.peer, cpu.bottom),
      ],
      [
        'floor (awaited Map + expiry)',
        bottom.toFixed(0),
        ratio(bottom, peer),
        '1.00×',
        cpu.bottom.toFixed(0),
        ratio(cpu.bottom, cpu.peer),
        '1.00×',
      ],
      ['requests', String(requests), '', '', '', '', ''],
    ],
  );
  const us = (ns) => (ns / 1000).toFixed(2);
  const over = (ns) => us(ns - audited.plain);
  const overCpu = (ns) => us(ns - audited.cpu.plain);
  table('audit fail-open overhead per cached read (µs; overhead = the row minus the no-plugin read)', [
    ['', 'µs/read', 'overhead', 'CPU µs/read', 'CPU overhead', 'entries'],
    ['no plugin', us(audited.plain), '', us(audited.cpu.plain), '', ''],
    [
      'a plugin with an empty after (the event path)',
      us(audited.eventOnly),
      over(audited.eventOnly),
      us(audited.cpu.eventOnly),
      overCpu(audited.cpu.eventOnly),
      '',
    ],
    [
      'audit-sqlite, fail-open, its sink failing (target ≤ 5 µs)',
      us(audited.failing),
      over(audited.failing),
      us(audited.cpu.failing),
      overCpu(audited.cpu.failing),
      `${failed.droppedEntries} dropped, ${failed.writeFailures} failed writes`,
    ],
    [
      'audit-sqlite, fail-open, writing to SQLite',
      us(audited.writing),
      over(audited.writing),
      us(audited.cpu.writing),
      overCpu(audited.cpu.writing),
      `${wrote.entriesWritten} written`,
    ],
  ]);
  const auditOverheadUs = (audited.failing - audited.plain) / 1000;
  return {
    hush,
    peer,
    bottom,
    cpu,
    auditOverheadUs,
    auditOverheadCpuUs: (audited.cpu.failing - audited.cpu.plain) / 1000,
  };
}
