import {
  AccessDeniedError,
  ConfigError,
  InvalidSecretNameError,
  ProviderError,
  ProviderUnavailableError,
  SecretManager,
  UnsupportedOperationError,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import { type KubernetesEmulator, startKubernetesEmulator } from '@hush/emulators';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { KubernetesProvider, secretNameFor } from '../src/index.js';
import { CLOSED_PORT, kubeconfigFile, providerFor } from './helpers.js';

const PLANTED = 'planted-k8s-value-0c9e51';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let k8s: KubernetesEmulator;
const TEAM_TOKEN = 'team-a-token';

beforeAll(async () => {
  k8s = await startKubernetesEmulator({
    namespaces: ['default', 'team-a', 'paging', 'whole', 'names'],
    tokens: {
      'admin-token': { user: 'admin' },
      [TEAM_TOKEN]: { user: 'system:serviceaccount:team-a:app', namespaces: ['team-a'] },
    },
  });
});
afterAll(() => k8s?.stop());

describe('key mode: secret-name/key is one key of a Secret', () => {
  it('writes, reads, lists and deletes keys of one Secret through the real client', async () => {
    const provider = providerFor(k8s);
    await provider.set('db/password', PLANTED);
    await provider.set('db/user', 'admin');
    const stored = k8s.getSecret('default', 'db') as { data: Record<string, string>; type: string };
    expect(stored.data).toEqual({ password: b64(PLANTED), user: b64('admin') });
    expect(stored.type).toBe('Opaque');
    const secret = await provider.get('db/password');
    expect(secret?.value).toBe(PLANTED);
    expect(secret?.version).toBe(
      (k8s.getSecret('default', 'db') as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
    );
    expect(await provider.get('db/missing')).toBeNull();
    expect(await provider.get('nothing/here')).toBeNull();
    expect((await provider.list({ prefix: 'db/' })).map((s) => s.key)).toEqual(['db/password', 'db/user']);

    expect(await provider.delete('db/password')).toBe(true);
    expect(await provider.delete('db/password')).toBe(false);
    expect(Object.keys((k8s.getSecret('default', 'db') as { data: object }).data)).toEqual(['user']);
    expect(await provider.delete('db/user')).toBe(true);
    expect(k8s.getSecret('default', 'db')).toBeUndefined();
  });

  it('maps a bare name to key "value" and refuses the second spelling name/value', async () => {
    const provider = providerFor(k8s);
    await provider.set('api-token', 'tok');
    expect((k8s.getSecret('default', 'api-token') as { data: object }).data).toEqual({ value: b64('tok') });
    expect((await provider.get('api-token'))?.value).toBe('tok');
    await expect(provider.get('api-token/value')).rejects.toThrow(InvalidSecretNameError);
    await expect(provider.get('api-token/value')).rejects.toThrow(/use that name/);
    expect((await provider.list({ prefix: 'api-token' })).map((s) => s.key)).toEqual(['api-token']);
  });

  it('maps names that are not DNS-1123 names reversibly (derived name + hush.dev/path annotation)', async () => {
    const provider = providerFor(k8s, { namespace: 'names' });
    const names = ['My_App/Token', 'apps/billing/db_url', 'UPPER', 'a.b-c_d/e'];
    for (const name of names) await provider.set(name, `v:${name}`);
    for (const name of names) expect((await provider.get(name))?.value).toBe(`v:${name}`);
    const derived = secretNameFor('apps/billing');
    expect(derived).toMatch(/^apps\.billing-[0-9a-f]{10}$/);
    const stored = k8s.getSecret('names', derived) as {
      metadata: { annotations: Record<string, string> };
      data: object;
    };
    expect(stored.metadata.annotations['hush.dev/path']).toBe('apps/billing');
    expect(stored.data).toHaveProperty('db_url');
    expect((await provider.list()).map((s) => s.key).sort()).toEqual([...names].sort());
    await expect(provider.set('x/..y', 'v')).rejects.toThrow(InvalidSecretNameError);
    await expect(provider.set('bad name', 'v')).rejects.toThrow(InvalidSecretNameError);
  });

  it('keeps labels as tags and expiry/metadata in annotations; refuses tags that are not labels', async () => {
    const provider = providerFor(k8s);
    const expiresAt = new Date(Date.now() + 86_400_000);
    await provider.set('tagged/key', 'v', {
      tags: { env: 'prod', 'team.example.com/owner': 'payments' },
      expiresAt,
      metadata: { note: 'n' },
    });
    const stored = k8s.getSecret('default', 'tagged') as { metadata: { labels: object } };
    expect(stored.metadata.labels).toEqual({ env: 'prod', 'team.example.com/owner': 'payments' });
    const secret = await provider.get('tagged/key');
    expect(secret?.tags).toEqual({ env: 'prod', 'team.example.com/owner': 'payments' });
    expect(secret?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    expect(secret?.metadata).toEqual({ note: 'n' });
    const listed = (await provider.list({ prefix: 'tagged/' }))[0];
    expect(listed?.tags.env).toBe('prod');
    expect(listed?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    await provider.set('tagged/key', 'v2');
    expect((await provider.get('tagged/key'))?.tags).toEqual({
      env: 'prod',
      'team.example.com/owner': 'payments',
    });
    await expect(provider.set('tagged/key', 'v', { tags: { env: 'has space' } })).rejects.toThrow(
      ValidationError,
    );
    await expect(provider.set('tagged/key', 'v', { tags: { 'Bad_Prefix/x': 'y' } })).rejects.toThrow(
      /prefix/,
    );
  });

  it('declares no versions: the version is the resourceVersion and older ones are refused', async () => {
    const provider = providerFor(k8s);
    expect(provider.capabilities.versions).toBe(false);
    const first = await provider.set('plain/one', 'a');
    const second = await provider.set('plain/one', 'b');
    expect(Number(second.version)).toBeGreaterThan(Number(first.version));
    expect((await provider.get('plain/one', { version: second.version }))?.value).toBe('b');
    await expect(provider.get('plain/one', { version: first.version })).rejects.toThrow(
      UnsupportedOperationError,
    );
  });

  it('compare-and-set with expectedVersion: "0" means absent, otherwise the resourceVersion', async () => {
    const provider = providerFor(k8s);
    const created = await provider.set('cas/key', 'a', { expectedVersion: '0' });
    await expect(provider.set('cas/key', 'b', { expectedVersion: '0' })).rejects.toThrow(
      VersionConflictError,
    );
    const next = await provider.set('cas/key', 'b', { expectedVersion: created.version });
    await expect(provider.set('cas/key', 'c', { expectedVersion: created.version })).rejects.toThrow(
      VersionConflictError,
    );
    expect((await provider.get('cas/key'))?.value).toBe('b');
    expect(next.version).not.toBe(created.version);
  });

  it('reads a large batch across many Secrets a few at a time', async () => {
    const provider = providerFor(k8s);
    const keys = Array.from({ length: 40 }, (_, i) => `wide-${i}`);
    for (const k of keys.slice(0, 20)) await provider.set(k, `v-${k}`);
    const result = await provider.getMany(keys);
    expect([...result.values()].filter(Boolean)).toHaveLength(20);
    expect(result.get('wide-3')?.value).toBe('v-wide-3');
    expect(result.get('wide-33')).toBeNull();
  });

  it('reads many keys of one Secret with one request', async () => {
    const provider = providerFor(k8s);
    await provider.set('batch/a', 'A');
    await provider.set('batch/b', 'B');
    const before = k8s.calls.get;
    const result = await provider.getMany(['batch/a', 'batch/b', 'batch/missing', 'nobatch/x']);
    expect(k8s.calls.get - before).toBe(2);
    expect(result.get('batch/a')?.value).toBe('A');
    expect(result.get('batch/b')?.value).toBe('B');
    expect(result.get('batch/missing')).toBeNull();
    expect(result.get('nobatch/x')).toBeNull();
  });

  it('serialises concurrent writes to one Secret in-process (no 409 storm)', async () => {
    const provider = providerFor(k8s);
    await Promise.all(Array.from({ length: 30 }, (_, i) => provider.set(`crowd/k${i}`, `v${i}`)));
    const stored = k8s.getSecret('default', 'crowd') as { data: object };
    expect(Object.keys(stored.data)).toHaveLength(30);
    expect(provider.metrics().conflictRetries).toBe(0);
  });
});

describe('optimistic concurrency', () => {
  it('retries a replace refused with 409 Conflict and counts it', async () => {
    const provider = providerFor(k8s);
    await provider.set('race/a', 'one');
    // Each of the next two reads is followed by another writer's change: two 409s, then success.
    k8s.staleAfterRead('default', 'race', 2);
    const replacesBefore = k8s.calls.replace;
    await provider.set('race/b', 'two');
    expect(provider.metrics().conflictRetries).toBe(2);
    expect(k8s.calls.replace - replacesBefore).toBe(3);
    expect((await provider.get('race/a'))?.value).toBe('one');
    expect((await provider.get('race/b'))?.value).toBe('two');
  });

  it('gives up after maxConflictRetries with VersionConflictError, counted', async () => {
    const provider = providerFor(k8s, { maxConflictRetries: 2 });
    await provider.set('hot/a', 'one');
    k8s.staleAfterRead('default', 'hot', 10);
    await expect(provider.set('hot/a', PLANTED)).rejects.toThrow(VersionConflictError);
    expect(provider.metrics()).toMatchObject({ conflictRetries: 2, conflictsExhausted: 1 });
    k8s.staleAfterRead('default', 'hot', 0);
  });

  it('treats a 409 as final when the caller asked for compare-and-set', async () => {
    const provider = providerFor(k8s);
    const info = await provider.set('cas2/a', 'one');
    k8s.staleAfterRead('default', 'cas2', 1);
    await expect(provider.set('cas2/a', 'two', { expectedVersion: info.version })).rejects.toThrow(
      VersionConflictError,
    );
    expect(provider.metrics().conflictRetries).toBe(0);
  });

  it('retries a delete whose precondition went stale', async () => {
    const provider = providerFor(k8s);
    await provider.set('gone/only', 'x');
    k8s.staleAfterRead('default', 'gone', 1);
    expect(await provider.delete('gone/only')).toBe(true);
    expect(provider.metrics().conflictRetries).toBe(1);
    expect(k8s.getSecret('default', 'gone')).toBeUndefined();
  });
});

describe("mode 'secret': a whole Secret is one hush secret", () => {
  it('reads and writes the JSON map of its keys', async () => {
    const provider = providerFor(k8s, { namespace: 'whole', mode: 'secret' });
    await provider.set('app-config', JSON.stringify({ url: 'postgres://db', password: PLANTED }), {
      tags: { app: 'shop' },
    });
    const stored = k8s.getSecret('whole', 'app-config') as {
      data: Record<string, string>;
      metadata: { labels: object };
    };
    expect(stored.data).toEqual({ url: b64('postgres://db'), password: b64(PLANTED) });
    expect(stored.metadata.labels).toEqual({ app: 'shop' });
    const secret = await provider.get('app-config');
    expect(JSON.parse(secret!.value)).toEqual({ url: 'postgres://db', password: PLANTED });
    await provider.set('app-config', JSON.stringify({ url: 'postgres://other' }));
    expect(Object.keys((k8s.getSecret('whole', 'app-config') as { data: object }).data)).toEqual(['url']);
    await provider.set('Nested/Name', '{}');
    expect((await provider.list()).map((s) => s.key)).toEqual(['Nested/Name', 'app-config']);
    const error = await provider.set('app-config', PLANTED).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(String(error)).not.toContain(PLANTED);
    expect(await provider.delete('app-config')).toBe(true);
    expect(await provider.get('app-config')).toBeNull();
  });
});

describe('listing', () => {
  it('pages with limit/continue past several pages and filters by prefix', async () => {
    const provider = providerFor(k8s, { namespace: 'paging', pageSize: 40 });
    const names = Array.from({ length: 170 }, (_, i) => `item-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 20)
      await Promise.all(names.slice(i, i + 20).map((n) => provider.set(n, 'x')));
    await provider.set('other/key', 'y');
    const listsBefore = k8s.calls.list;
    const all = await provider.list();
    expect(k8s.calls.list - listsBefore).toBe(5);
    expect(all).toHaveLength(171);
    expect((await provider.list({ prefix: 'item-1' })).length).toBe(70);
    expect(JSON.stringify(all)).not.toContain('"value"');
  });

  it('lists only Opaque Secrets, and only those matching labelSelector when given', async () => {
    const res = await fetch(`${k8s.url}/api/v1/namespaces/paging/secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k8s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        // The API server refuses a service-account token Secret without the account's name.
        metadata: { name: 'sa-token', annotations: { 'kubernetes.io/service-account.name': 'default' } },
        type: 'kubernetes.io/service-account-token',
        data: {},
      }),
    });
    expect(res.status).toBe(201);
    const provider = providerFor(k8s, { namespace: 'paging', labelSelector: 'app=shop' });
    expect((await providerFor(k8s, { namespace: 'paging' }).list()).some((s) => s.key === 'sa-token')).toBe(
      false,
    );
    expect(await provider.list()).toEqual([]);
    await provider.set('shop/key', 'x', { tags: { app: 'shop' } });
    expect((await provider.list()).map((s) => s.key)).toEqual(['shop/key']);
  });
});

describe('errors', () => {
  it('maps 403 Forbidden to AccessDeniedError naming the namespace, without values', async () => {
    const provider = providerFor(k8s, { token: TEAM_TOKEN, namespace: 'default' });
    const read = await provider.get('db/password').catch((e: Error) => e);
    expect(read).toBeInstanceOf(AccessDeniedError);
    expect((read as Error).message).toContain("namespace 'default'");
    expect((read as Error).message).toContain('403');
    const write = await provider.set('team/x', PLANTED).catch((e: Error) => e);
    expect(write).toBeInstanceOf(AccessDeniedError);
    expect(`${String(write)} ${JSON.stringify(write)}`).not.toContain(PLANTED);
    await expect(provider.list()).rejects.toThrow(AccessDeniedError);
    const own = providerFor(k8s, { token: TEAM_TOKEN, namespace: 'team-a' });
    await own.set('team/x', 'ok');
    expect((await own.get('team/x'))?.value).toBe('ok');
  });

  it('reports a namespace that does not exist as a provider error, and reads there as not found', async () => {
    const provider = providerFor(k8s, { namespace: 'no-such-namespace' });
    expect(await provider.get('x/y')).toBeNull();
    const error = await provider.set('x/y', PLANTED).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('namespaces "no-such-namespace" not found');
    expect(String(error)).not.toContain(PLANTED);
  });

  it('maps 401 to AccessDeniedError', async () => {
    const provider = providerFor(k8s, { token: 'not-a-token' });
    await expect(provider.get('db/password')).rejects.toThrow(AccessDeniedError);
    await expect(provider.get('db/password')).rejects.toThrow(/401/);
  });

  it('maps 5xx, throttling after retries, outages and refused connections to ProviderUnavailableError', async () => {
    const provider = providerFor(k8s, { maxRetries: 1 });
    await provider.set('fault/key', PLANTED);
    try {
      k8s.faults.set({ errorRate: 1 });
      const failed = await provider.get('fault/key').catch((e: Error) => e);
      expect(failed).toBeInstanceOf(ProviderUnavailableError);
      expect(String(failed)).not.toContain(PLANTED);
      k8s.faults.set({ errorRate: 0, throttleRate: 1 });
      await expect(provider.get('fault/key')).rejects.toThrow(ProviderUnavailableError);
      expect(provider.metrics()).toMatchObject({ throttled: 2, retries: 1 });
      k8s.faults.set({ throttleRate: 0, outage: true });
      await expect(provider.get('fault/key')).rejects.toThrow(ProviderUnavailableError);
      expect((await provider.health()).status).toBe('unhealthy');
    } finally {
      k8s.faults.clear();
    }
    expect((await provider.get('fault/key'))?.value).toBe(PLANTED);
    expect((await provider.health()).status).toBe('healthy');

    const kc = new KubeConfig();
    kc.loadFromOptions({
      ...k8s.kubeConfigOptions(),
      clusters: [{ name: 'hush-emulator', server: `http://127.0.0.1:${CLOSED_PORT}`, skipTLSVerify: true }],
    });
    const refused = new KubernetesProvider({ kubeconfig: kc, namespace: 'default' });
    await expect(refused.get('fault/key')).rejects.toThrow(ProviderUnavailableError);
  });

  it('recovers from a throttled request by honouring Retry-After', async () => {
    const provider = providerFor(k8s);
    await provider.set('throttle/key', 'ok');
    k8s.faults.set({ throttleRate: 1 });
    const pending = provider.get('throttle/key');
    setTimeout(() => k8s.faults.clear(), 300);
    expect((await pending)?.value).toBe('ok');
    expect(provider.metrics().throttled).toBeGreaterThanOrEqual(1);
  });
});

describe('configuration', () => {
  it('initialize() resolves without a request, any number of times (the configuration was checked when built)', async () => {
    const provider = providerFor(k8s);
    const before = k8s.calls.total;
    await provider.initialize();
    await Promise.all([provider.initialize(), provider.initialize()]);
    expect(provider.metrics().requests).toBe(0);
    expect(k8s.calls.total).toBe(before);
  });

  it('loads a kubeconfig file from the option, from KUBECONFIG and from ~/.kube/config, with its namespace', async () => {
    const file = kubeconfigFile(k8s, 'team-a');
    const fromPath = new KubernetesProvider({ kubeconfig: file });
    expect(fromPath.namespace).toBe('team-a');
    await fromPath.set('cfg/a', '1');
    expect(k8s.getSecret('team-a', 'cfg')).toBeDefined();

    const viaPlugin = await plugin.create(
      {},
      { name: 'k8s-env', root: process.cwd(), env: { KUBECONFIG: file } },
    );
    expect(viaPlugin.name).toBe('k8s-env');
    expect((await viaPlugin.get('cfg/a'))?.value).toBe('1');

    const { mkdtempSync, mkdirSync, copyFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const home = mkdtempSync(join(tmpdir(), 'hush-home-'));
    mkdirSync(join(home, '.kube'));
    copyFileSync(file, join(home, '.kube', 'config'));
    const fromHome = new KubernetesProvider({ env: { HOME: home }, namespace: 'team-a' });
    expect((await fromHome.get('cfg/a'))?.value).toBe('1');
  });

  it('refuses a missing configuration with ConfigError', () => {
    expect(() => new KubernetesProvider({ env: { HOME: '/nonexistent-home' } })).toThrow(ConfigError);
    expect(() => new KubernetesProvider({ kubeconfig: '/nonexistent/kubeconfig' })).toThrow(ConfigError);
    expect(() => new KubernetesProvider({ kubeconfig: kubeconfigFile(k8s), context: 'nope' })).toThrow(
      ConfigError,
    );
  });

  it('talks HTTPS to a server whose CA is in the kubeconfig', async () => {
    const secure = await startKubernetesEmulator({ https: true });
    try {
      const provider = new KubernetesProvider({ kubeconfig: kubeconfigFile(secure) });
      await provider.set('tls/key', 'over-tls');
      expect((await provider.get('tls/key'))?.value).toBe('over-tls');
    } finally {
      await secure.stop();
    }
  });
});

describe('failover through SecretManager', () => {
  it('serves from the next provider while the Kubernetes API is down', async () => {
    const second = await startKubernetesEmulator();
    try {
      const primary = providerFor(k8s, { name: 'k8s-primary', timeoutMs: 2_000 });
      const backup = providerFor(second, { name: 'k8s-backup' });
      await primary.set('failover/key', 'from-primary');
      await backup.set('failover/key', 'from-backup');
      const manager = new SecretManager({ providers: [primary, backup], cache: { enabled: false } });
      expect((await manager.getSecret('failover/key'))?.value).toBe('from-primary');
      k8s.faults.set({ outage: true });
      try {
        const secret = await manager.getSecret('failover/key');
        expect(secret?.value).toBe('from-backup');
        expect(secret?.provider).toBe('k8s-backup');
      } finally {
        k8s.faults.clear();
      }
      expect((await manager.getSecret('failover/key'))?.value).toBe('from-primary');
      await manager.dispose();
    } finally {
      await second.stop();
    }
  });
});
