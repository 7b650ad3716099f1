import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@hush/core';
import { startKubernetesEmulator } from '@hush/emulators';
import { describeWriteLeakChecks, findSecretValue, leaksOf } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesProvider } from '../src/index.js';
import { providerFor } from './helpers.js';

const VALUE = 'do-not-show-8f2c1e';

describe('no Kubernetes error carries a secret value', () => {
  it('on a Forbidden namespace, a 5xx, throttling and an outage', async () => {
    const k8s = await startKubernetesEmulator({
      tokens: { admin: { user: 'admin' }, elsewhere: { user: 'u', namespaces: ['other'] } },
    });
    const provider = providerFor(k8s, { token: 'admin' });
    try {
      expect(
        await leaksOf(() => providerFor(k8s, { token: 'elsewhere' }).set('denied', VALUE), VALUE),
      ).toEqual([]);
      k8s.faults.set({ errorRate: 1 });
      expect(await leaksOf(() => provider.set('five-hundred', VALUE), VALUE)).toEqual([]);
      k8s.faults.set({ errorRate: 0, throttleRate: 1 });
      expect(await leaksOf(() => provider.set('throttled', VALUE), VALUE)).toEqual([]);
      k8s.faults.set({ throttleRate: 0, outage: true });
      expect(await leaksOf(() => provider.set('outage', VALUE), VALUE)).toEqual([]);
    } finally {
      await k8s.stop();
    }
  });

  it('reports a broken kubeconfig by position, without quoting its lines (they may hold a token)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hush-k8s-bad-')), 'config');
    writeFileSync(
      file,
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${VALUE}\n    bad: [unclosed\n`,
    );
    let error: unknown;
    try {
      new KubernetesProvider({ kubeconfig: file });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/line \d+, column \d+/);
    expect(findSecretValue(error, VALUE)).toEqual([]);
  });
});

// The write path through a manager too, for each fault the emulator injects.
let leakCluster: Awaited<ReturnType<typeof startKubernetesEmulator>>;
beforeAll(async () => {
  leakCluster = await startKubernetesEmulator({
    tokens: { admin: { user: 'admin' }, elsewhere: { user: 'u', namespaces: ['other'] } },
  });
});
afterAll(async () => {
  await leakCluster?.stop();
});
describeWriteLeakChecks('Kubernetes', {
  value: VALUE,
  provider: () => providerFor(leakCluster, { token: 'admin' }),
  faults: {
    'a 5xx': {
      apply: () => leakCluster.faults.set({ errorRate: 1 }),
      clear: () => leakCluster.faults.clear(),
    },
    throttling: {
      apply: () => leakCluster.faults.set({ throttleRate: 1 }),
      clear: () => leakCluster.faults.clear(),
    },
    'an error that echoes the request body': {
      apply: () => leakCluster.faults.set({ echoRate: 1 }),
      clear: () => leakCluster.faults.clear(),
      echoes: true,
      served: () => leakCluster.faults.injected.echo,
    },
    'an outage': {
      apply: () => leakCluster.faults.set({ outage: true }),
      clear: () => leakCluster.faults.clear(),
    },
    'a Forbidden namespace': {
      apply: () => undefined,
      provider: () => providerFor(leakCluster, { token: 'elsewhere' }),
    },
  },
});
