import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startKubernetesEmulator } from '../src/index.js';
import { services } from '../src/services.js';

describe('Kubernetes emulator: command entry and snapshots', () => {
  it('`hush-emulators k8s` serves HTTPS and writes a kubeconfig whose server, CA and token work', async () => {
    const running = await services.k8s!({});
    try {
      const details = running.describe();
      const yaml = readFileSync(details.kubeconfig!, 'utf8');
      const server = JSON.parse(/server: (".*")/.exec(yaml)![1]!) as string;
      const token = JSON.parse(/token: (".*")/.exec(yaml)![1]!) as string;
      expect(server).toBe(running.url);
      expect(token).toBe(details.token);
      expect(yaml).toContain('namespace: default');
      expect(server.startsWith('https://')).toBe(true);
      const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(yaml)![1]!, 'base64').toString();
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get(
          `${server}/api/v1/namespaces/default/secrets`,
          { ca, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        ).on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('keeps Secrets and the resourceVersion counter in a snapshot file across restarts', async () => {
    const snapshotFile = join(mkdtempSync(join(tmpdir(), 'hush-k8s-snap-')), 'state.json');
    const tokens = { 'snap-token': { user: 'admin' } };
    const first = await startKubernetesEmulator({ snapshotFile, tokens });
    const created = await fetch(`${first.url}/api/v1/namespaces/default/secrets`, {
      method: 'POST',
      headers: { authorization: 'Bearer snap-token', 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'kept' }, stringData: { a: 'b' } }),
    }).then((r) => r.json() as Promise<{ metadata: { resourceVersion: string } }>);
    await first.stop();
    const second = await startKubernetesEmulator({ snapshotFile, tokens });
    try {
      const kept = second.getSecret('default', 'kept') as {
        data: Record<string, string>;
        metadata: { resourceVersion: string };
      };
      expect(kept.data).toEqual({ a: Buffer.from('b').toString('base64') });
      expect(kept.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      expect(Number(second.bumpResourceVersion('default', 'kept'))).toBeGreaterThan(
        Number(created.metadata.resourceVersion),
      );
    } finally {
      await second.stop();
    }
  });
});
