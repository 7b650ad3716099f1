import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  FaultInjector,
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startGcpSecretManagerEmulator,
  startKubernetesEmulator,
  startVaultEmulator,
} from '../src/index.js';

interface Handle {
  url: string;
  stop(): Promise<void>;
  faults: FaultInjector;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

// Each starter with no options, and the credentials its handle must carry.
const starters: Array<[string, () => Promise<Handle>, string[]]> = [
  ['startVaultEmulator', startVaultEmulator, ['rootToken']],
  [
    'startAwsSecretsManagerEmulator',
    startAwsSecretsManagerEmulator,
    ['credentials', 'accessKeyId', 'secretAccessKey', 'region'],
  ],
  [
    'startAzureKeyVaultEmulator',
    startAzureKeyVaultEmulator,
    ['vaultUrl', 'token', 'tenantId', 'clientId', 'clientSecret', 'ca'],
  ],
  ['startGcpSecretManagerEmulator', startGcpSecretManagerEmulator, ['apiEndpoint', 'port', 'token', 'ca']],
  ['startKubernetesEmulator', startKubernetesEmulator, ['token', 'kubeConfigOptions', 'kubeconfigYaml']],
];

describe('every emulator has the common shape', () => {
  it.each(starters)(
    '%s() → { url, stop(), faults, ...credentials } on 127.0.0.1, a free port each time',
    async (_, start, credentials) => {
      const [one, two] = await Promise.all([start(), start()]);
      try {
        for (const handle of [one, two]) {
          const url = new URL(handle.url);
          expect(url.hostname).toBe('127.0.0.1');
          expect(Number(url.port)).toBeGreaterThan(0);
          expect(handle.faults).toBeInstanceOf(FaultInjector);
          for (const name of credentials)
            expect((handle as unknown as Record<string, unknown>)[name], name).toBeTruthy();
        }
        expect(new URL(one.url).port).not.toBe(new URL(two.url).port);
        // Faults change while it runs, under the same names everywhere.
        one.faults.set({ latencyMs: 1, errorRate: 0.5, throttleRate: 0.25, outage: false });
        expect(one.faults.options).toEqual({
          latencyMs: 1,
          errorRate: 0.5,
          throttleRate: 0.25,
          outage: false,
        });
        one.faults.clear();
        expect(one.faults.options).toEqual({});
      } finally {
        await Promise.all([one.stop(), two.stop()]);
      }
      expect(await connects(Number(new URL(one.url).port))).toBe(false);
    },
  );

  it.each(starters)('%s({ random }) decides the fault rates with that source', async (_, start) => {
    // 0.2 is below an error rate of 0.5: every request gets the error (the throttle is not reached).
    const startWith = start as (options: { random: () => number }) => Promise<Handle>;
    const handle = await startWith({ random: () => 0.2 });
    try {
      handle.faults.set({ errorRate: 0.5, throttleRate: 0.1 });
      for (let i = 0; i < 5; i++) expect(await handle.faults.decide()).toBe('error');
      handle.faults.set({ errorRate: 0.1 });
      expect(await handle.faults.decide()).toBeNull();
    } finally {
      await handle.stop();
    }
  });

  it.each(starters)(
    '%s: an echo fault is decided before the error rate and counted once served',
    async (_, start) => {
      const handle = await start();
      try {
        handle.faults.set({ echoRate: 1, errorRate: 1 });
        expect(await handle.faults.decide()).toBe('echo');
        // A request without a body is served as usual, so the decision alone counts nothing.
        expect(handle.faults.injected.echo).toBe(0);
        handle.faults.echoed();
        expect(handle.faults.injected.echo).toBe(1);
      } finally {
        await handle.stop();
      }
    },
  );
});
