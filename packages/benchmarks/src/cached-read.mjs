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
  } = await nsPerCallInterleaved({
    hush: () => manager.getSecret('bench/cached'),
    peer: () => powertools.get('bench/cached', { maxAge: 3600 }),
    floor: () => floorGet('bench/cached'),
  });
  const requests = Object.values(emulator.calls).reduce((a, b) => a + b, 0);

  const dir = mkdtempSync(join(tmpdir(), 'hush-bench-audit-'));
  const audit = auditSqlite({ path: join(dir, 'audit.db'), failMode: 'open' });
  await audit.ready;
  const audited = new SecretManager({
    providers: [new AwsSecretsManagerProvider(connection)],
    plugins: [audit],
    cache: { ttl: '1h' },
  });
  await audited.getSecret('bench/cached', { accessor: 'bench' });
  const { plain, withAudit } = await nsPerCallInterleaved(
    {
      plain: () => manager.getSecret('bench/cached', { accessor: 'bench' }),
      withAudit: () => audited.getSecret('bench/cached', { accessor: 'bench' }),
    },
    { iterations: 20_000 },
  );
  await audit.flush?.();
  await audited.dispose();
  await manager.dispose();
  await seed.dispose();
  rmSync(dir, { recursive: true, force: true });

  table('cached read (ns per awaited call; requests at the emulator during the runs)', [
    ['', 'ns/read', 'vs Powertools', 'vs floor'],
    ['hush getSecret', hush.toFixed(0), ratio(hush, peer), ratio(hush, bottom)],
    ['Powertools SecretsProvider.get', peer.toFixed(0), '1.00×', ratio(peer, bottom)],
    ['floor (awaited Map + expiry)', bottom.toFixed(0), ratio(bottom, peer), '1.00×'],
    ['requests', String(requests), '', ''],
  ]);
  table('audit fail-open overhead per cached read', [
    ['', 'µs/read'],
    ['no plugin', (plain / 1000).toFixed(2)],
    ['audit-sqlite, fail-open', (withAudit / 1000).toFixed(2)],
    ['overhead', ((withAudit - plain) / 1000).toFixed(2)],
  ]);
  return { hush, peer, bottom, auditOverheadUs: (withAudit - plain) / 1000 };
}
