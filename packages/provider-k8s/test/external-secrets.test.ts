import { startKubernetesEmulator } from '@hush/emulators';
import { describe, expect, it } from 'vitest';
import { providerFor, startPod } from './helpers.js';

describe("externalSecrets(): External Secrets Operator's kubernetes provider", () => {
  it("in a pod: the service account's CA file as caBundle, its namespace, each name's Secret and key", async () => {
    const { k8s, provider } = await startPod();
    try {
      await provider.set('db/password', 'eso-pod-value');
      const backend = await provider.externalSecrets();
      expect(backend.provider).toEqual({
        kubernetes: {
          remoteNamespace: 'shop',
          server: {
            url: `https://127.0.0.1:${new URL(k8s.url).port}`,
            caBundle: Buffer.from(k8s.ca!).toString('base64'),
          },
          auth: { serviceAccount: { name: 'hush-eso' } },
        },
      });
      expect(JSON.stringify(backend.provider)).not.toContain('pod-token');
      // The Secret and key the value is under, as the emulator holds it.
      const ref = backend.remoteRef('db/password');
      expect(ref).toEqual({ key: 'db', property: 'password' });
      const stored = k8s.getSecret('shop', ref.key) as { data: Record<string, string> };
      expect(Buffer.from(stored.data[ref.property!]!, 'base64').toString('utf8')).toBe('eso-pod-value');
    } finally {
      await k8s.stop();
    }
  });

  it('secret mode: the whole Secret (ESO hands over the JSON of its keys); a derived name; no CA without TLS', async () => {
    const k8s = await startKubernetesEmulator();
    try {
      const provider = providerFor(k8s, { mode: 'secret' });
      const backend = await provider.externalSecrets();
      const server = (backend.provider.kubernetes as { server: Record<string, unknown> }).server;
      expect(server).toEqual({ url: k8s.url });
      expect(backend.remoteRef('db-creds')).toEqual({ key: 'db-creds' });
      // A name that is no DNS subdomain maps to the derived Secret name the provider writes.
      await provider.set('App/DB_url', JSON.stringify({ url: 'x' }));
      const { key } = backend.remoteRef('App/DB_url');
      expect(key).toMatch(/^app\.db-url-[0-9a-f]{10}$/);
      expect(k8s.getSecret('default', key)).toBeTruthy();
      const keyed = await providerFor(k8s).externalSecrets();
      expect(keyed.remoteRef('token')).toEqual({ key: 'token', property: 'value' });
    } finally {
      await k8s.stop();
    }
  });
});
