import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  AccessDeniedError,
  InvalidSecretNameError,
  ProviderUnavailableError,
  SecretManager,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import type { VaultEmulator } from '@hush/emulators';
import { MemoryProvider } from '@hush/testkit';
import nodeVault from 'node-vault';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin, { VaultProvider } from '../src/index.js';
import { emulator, eventually, rootProvider, seeded } from './helpers.js';

const PLANTED = 'planted-secret-value-7f3a9c';

function expectNoValue(error: unknown, value = PLANTED): void {
  const shown = [
    String(error),
    (error as Error).message,
    JSON.stringify(error),
    inspect(error, { depth: 5 }),
  ].join('\n');
  expect(shown).not.toContain(value);
}

describe('VaultProvider on a token', () => {
  let vault: VaultEmulator;
  let provider: VaultProvider;

  beforeAll(async () => {
    vault = await emulator();
    provider = rootProvider(vault);
    await provider.initialize();
  });
  afterAll(async () => {
    await provider.dispose();
    await vault.stop();
  });

  it('writes { value } and reads the string back, with versions', async () => {
    const first = await provider.set('app/db-password', 'one');
    const second = await provider.set('app/db-password', 'two');
    expect([first.version, second.version]).toEqual(['1', '2']);
    expect((await provider.get('app/db-password'))?.value).toBe('two');
    expect((await provider.get('app/db-password', { version: '1' }))?.value).toBe('one');
    expect(await provider.get('app/db-password', { version: '7' })).toBeNull();
    const raw = nodeVault({ endpoint: vault.url, token: vault.rootToken });
    expect((await raw.read('secret/data/app/db-password')).data.data).toEqual({ value: 'two' });
  });

  it('reads a JSON map written by other tools as its JSON text, and a field through the manager', async () => {
    const raw = nodeVault({ endpoint: vault.url, token: vault.rootToken });
    await raw.write('secret/data/database/connection', {
      data: { url: 'postgres://db:5432/app', host: 'db', port: '5432' },
    });
    const secret = await provider.get('database/connection');
    expect(JSON.parse(secret!.value)).toEqual({ url: 'postgres://db:5432/app', host: 'db', port: '5432' });
    const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
    expect((await manager.getSecret('database/connection#url'))?.value).toBe('postgres://db:5432/app');
    expect(await manager.resolve({ db: { host: '${secret:database/connection#host}' } })).toEqual({
      db: { host: 'db' },
    });
  });

  it('is listable by node-vault with its default LIST verb too', async () => {
    await provider.set('verb/one', '1');
    await provider.set('verb/deeper/two', '2');
    const raw = nodeVault({ endpoint: vault.url, token: vault.rootToken });
    expect((await raw.list('secret/metadata/verb')).data.keys).toEqual(['deeper/', 'one']);
  });

  it('rolls back by writing the old data as a new version', async () => {
    await provider.set('app/rollback', 'good');
    await provider.set('app/rollback', 'bad');
    const info = await provider.rollback('app/rollback', '1');
    expect(info.version).toBe('3');
    expect((await provider.get('app/rollback'))?.value).toBe('good');
    await expect(provider.rollback('app/rollback', '99')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
  });

  it('keeps tags, metadata, scope and a per-version expiry in custom_metadata', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    await provider.set('app/tagged', 'v1', {
      tags: { env: 'prod' },
      metadata: { owner: 'payments' },
      scope: 'global',
      expiresAt,
    });
    const secret = await provider.get('app/tagged');
    expect(secret?.tags).toEqual({ env: 'prod' });
    expect(secret?.metadata).toEqual({ owner: 'payments' });
    expect(secret?.scope).toBe('global');
    expect(secret?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    // A later version without expiry keeps the tags but has no expiry of its own.
    await provider.set('app/tagged', 'v2');
    const next = await provider.get('app/tagged');
    expect(next?.tags).toEqual({ env: 'prod' });
    expect(next?.expiresAt).toBeUndefined();
    const versions = await provider.listVersions('app/tagged');
    expect(versions.map((v) => [v.version, v.current, Boolean(v.expiresAt)])).toEqual([
      ['2', true, false],
      ['1', false, true],
    ]);
    await expect(provider.set('app/tagged', 'v3', { tags: { 'hush.x': 'y' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('soft-deletes the current version (older ones stay readable) and destroys with permanent', async () => {
    await provider.set('app/removable', 'old');
    await provider.set('app/removable', 'new');
    expect(await provider.delete('app/removable')).toBe(true);
    expect(await provider.get('app/removable')).toBeNull();
    expect(await provider.delete('app/removable')).toBe(false);
    expect((await provider.get('app/removable', { version: '1' }))?.value).toBe('old');
    expect((await provider.listVersions('app/removable'))[0]).toMatchObject({
      version: '2',
      state: 'deleted',
      current: true,
    });
    expect((await provider.list({ prefix: 'app/removable' })).map((s) => s.key)).toEqual([]);
    expect(await provider.delete('app/removable', { permanent: true })).toBe(true);
    expect(await provider.listVersions('app/removable')).toEqual([]);
    expect(await provider.delete('app/removable', { permanent: true })).toBe(false);
  });

  it('lists recursively through folders, filtered by prefix', async () => {
    for (const name of ['tree/a', 'tree/b/c', 'tree/b/d/e', 'tree-other/x', 'treehouse'])
      await provider.set(name, 'x');
    const all = await provider.list({ prefix: 'tree/' });
    expect(all.map((s) => s.key)).toEqual(['tree/a', 'tree/b/c', 'tree/b/d/e']);
    expect((await provider.list({ prefix: 'tree' })).map((s) => s.key)).toEqual([
      'tree-other/x',
      'tree/a',
      'tree/b/c',
      'tree/b/d/e',
      'treehouse',
    ]);
    expect((await provider.list({ prefix: 'tree/b/d' })).map((s) => s.key)).toEqual(['tree/b/d/e']);
    expect(await provider.list({ prefix: 'nothing/' })).toEqual([]);
    expect(all[0]).toMatchObject({ version: '1', provider: 'vault' });
  });

  it('turns a stale expectedVersion into VersionConflictError', async () => {
    await provider.set('app/cas', 'first', { expectedVersion: '0' });
    await expect(provider.set('app/cas', 'again', { expectedVersion: '0' })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect((await provider.set('app/cas', 'second', { expectedVersion: '1' })).version).toBe('2');
    const conflict = await provider
      .set('app/cas', PLANTED, { expectedVersion: '1' })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expectNoValue(conflict);
  });

  it('writes through a mount that requires check-and-set', async () => {
    const strict = await emulator({ casRequired: true });
    const casProvider = rootProvider(strict);
    try {
      await casProvider.set('k', 'one');
      await casProvider.set('k', 'two');
      expect((await casProvider.get('k'))?.value).toBe('two');
    } finally {
      await strict.stop();
    }
  });

  it('rejects invalid names before any request', async () => {
    vault.resetCounters();
    await expect(provider.get('a//b')).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(provider.set('x#y', 'v')).rejects.toBeInstanceOf(InvalidSecretNameError);
    expect(Object.keys(vault.counters)).toEqual([]);
  });

  it('reports health from sys/health', async () => {
    expect(await provider.health()).toMatchObject({ status: 'healthy', details: { sealed: false } });
    vault.faults.set({ outage: true });
    try {
      expect((await provider.health()).status).toBe('unhealthy');
    } finally {
      vault.faults.clear();
    }
  });

  it('uses a configurable mount, a path prefix and a namespace', async () => {
    const other = await emulator({ kvMount: ['kv', 'secret'] });
    try {
      const scoped = rootProvider(other, { mount: 'kv', pathPrefix: 'apps/web', namespace: 'team-a' });
      await scoped.set('api-key', 'k');
      const raw = nodeVault({ endpoint: other.url, token: other.rootToken, namespace: 'team-a' });
      expect((await raw.read('kv/data/apps/web/api-key')).data.data).toEqual({ value: 'k' });
      expect((await scoped.list()).map((s) => s.key)).toEqual(['api-key']);
      const rootNamespace = rootProvider(other, { mount: 'kv', pathPrefix: 'apps/web' });
      expect(await rootNamespace.get('api-key')).toBeNull();
    } finally {
      await other.stop();
    }
  });

  it('is created by its plugin from the environment', async () => {
    const created = await plugin.create(
      {},
      {
        name: 'vault-prod',
        root: process.cwd(),
        env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken, VAULT_NAMESPACE: 'team-env' },
      },
    );
    expect(created.name).toBe('vault-prod');
    expect(created.kind).toBe('vault');
    await created.set!('from-env', 'x');
    expect((await created.get('from-env'))?.provider).toBe('vault-prod');
    // VAULT_NAMESPACE was used: the key is in that namespace and not in the root one.
    const inNamespace = nodeVault({ endpoint: vault.url, token: vault.rootToken, namespace: 'team-env' });
    expect((await inNamespace.read('secret/data/from-env')).data.data).toEqual({ value: 'x' });
    expect(await rootProvider(vault).get('from-env')).toBeNull();
    await created.dispose?.();
  });
});

describe('VaultProvider auth', () => {
  let vault: VaultEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'hush-vault-k8s-'));
  const providers: VaultProvider[] = [];
  const track = (p: VaultProvider) => {
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    vault = await emulator({
      approle: {
        web: { roleId: 'web-role', secretIds: ['web-secret'], policies: ['app'], tokenTtl: '1h' },
        short: {
          roleId: 'short-role',
          secretIds: ['short-secret'],
          policies: ['app'],
          tokenTtl: 2,
          tokenMaxTtl: 600,
        },
        reader: { roleId: 'reader-role', secretIds: ['reader-secret'], policies: ['readonly'] },
      },
      kubernetes: {
        roles: {
          api: {
            boundServiceAccountNames: ['api'],
            boundServiceAccountNamespaces: ['prod'],
            policies: ['app'],
          },
        },
      },
    });
    const root = rootProvider(vault);
    await root.set('app/config', 'configured');
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) await p.dispose();
  });
  afterAll(async () => {
    await vault.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with AppRole and reads through the policy', async () => {
    vault.resetCounters();
    const provider = track(
      rootProvider(vault, {
        token: undefined,
        auth: { method: 'approle', roleId: 'web-role', secretId: 'web-secret' },
      }),
    );
    expect((await provider.get('app/config'))?.value).toBe('configured');
    expect((await provider.get('app/config'))?.value).toBe('configured');
    expect(vault.counters['auth.approle.login']).toBe(1);
  });

  it('logs in with AppRole from VAULT_ROLE_ID / VAULT_SECRET_ID', async () => {
    const provider = track(
      new VaultProvider({
        env: { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'web-role', VAULT_SECRET_ID: 'web-secret' },
      }),
    );
    expect((await provider.get('app/config'))?.value).toBe('configured');
  });

  it('refuses a wrong secret_id with AccessDeniedError', async () => {
    const provider = track(
      rootProvider(vault, {
        token: undefined,
        auth: { method: 'approle', roleId: 'web-role', secretId: 'wrong' },
      }),
    );
    const error = await provider.get('app/config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(String(error)).not.toContain('wrong');
  });

  it('logs in with Kubernetes from the service-account JWT file', async () => {
    const jwt = vault.addServiceAccount({ name: 'api', namespace: 'prod' });
    const jwtFile = join(dir, 'token');
    writeFileSync(jwtFile, `${jwt}\n`);
    vault.resetCounters();
    const provider = track(
      rootProvider(vault, { token: undefined, auth: { method: 'kubernetes', role: 'api', jwtFile } }),
    );
    expect((await provider.get('app/config'))?.value).toBe('configured');
    expect(vault.counters['auth.kubernetes.login']).toBe(1);

    const outsider = vault.addServiceAccount({ name: 'api', namespace: 'dev' });
    writeFileSync(join(dir, 'outsider'), outsider);
    const refused = track(
      rootProvider(vault, {
        token: undefined,
        auth: { method: 'kubernetes', role: 'api', jwtFile: join(dir, 'outsider') },
      }),
    );
    await expect(refused.get('app/config')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('renews its token before expiry', async () => {
    // A 6 s TTL renewed every 1.2 s leaves almost 5 s of slack for a loaded machine.
    const token = vault.createToken({ policies: ['app'], ttl: 6 });
    const provider = track(rootProvider(vault, { token, renewFraction: 0.2 }));
    const started = Date.now();
    await provider.initialize();
    await eventually(() => provider.metrics().renewals! >= 1 && Date.now() - started > 7_000);
    expect(vault.counters['auth.token.renew-self']).toBeGreaterThanOrEqual(1);
    // Past the original 6 s TTL the token still works, because it was renewed.
    expect((await provider.get('app/config'))?.value).toBe('configured');
  });

  it('logs in again after its token expired and retries the failed call once', async () => {
    vault.resetCounters();
    const provider = track(
      rootProvider(vault, {
        token: undefined,
        auth: { method: 'approle', roleId: 'web-role', secretId: 'web-secret' },
      }),
    );
    expect((await provider.get('app/config'))?.value).toBe('configured');
    // Every token but root ages past its TTL; the provider only learns it from the 403.
    vault.advanceClock(2 * 3600_000);
    expect((await provider.get('app/config'))?.value).toBe('configured');
    expect(vault.counters['auth.approle.login']).toBe(2);
    expect(provider.metrics().relogins).toBe(1);
    // Many calls failing at once share one new login.
    vault.advanceClock(2 * 3600_000);
    const values = await Promise.all(Array.from({ length: 12 }, () => provider.get('app/config')));
    expect(values.map((s) => s?.value)).toEqual(Array(12).fill('configured'));
    expect(vault.counters['auth.approle.login']).toBe(3);
  });

  it('logs in again when renewal is refused', async () => {
    vault.resetCounters();
    const provider = track(
      rootProvider(vault, {
        token: undefined,
        renewFraction: 0.5,
        auth: { method: 'approle', roleId: 'short-role', secretId: 'short-secret' },
      }),
    );
    await provider.initialize();
    // The token dies before its renewal runs: renew-self answers 403 and a new login follows.
    vault.advanceClock(3_600_000);
    await eventually(() => (vault.counters['auth.approle.login'] ?? 0) >= 2);
    expect(provider.metrics().renewalFailures).toBeGreaterThanOrEqual(1);
    expect((await provider.get('app/config'))?.value).toBe('configured');
  });

  it('surfaces a policy denial as AccessDeniedError without the value, and without a new login', async () => {
    vault.resetCounters();
    const provider = track(
      rootProvider(vault, {
        token: undefined,
        auth: { method: 'approle', roleId: 'reader-role', secretId: 'reader-secret' },
      }),
    );
    expect((await provider.get('app/config'))?.value).toBe('configured');
    const denied = await provider.set('app/config', PLANTED).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expectNoValue(denied);
    await expect(provider.get('elsewhere/secret')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(vault.counters['auth.approle.login']).toBe(1);
  });

  it('fails a dead static token with AccessDeniedError', async () => {
    const token = vault.createToken({ policies: ['app'], ttl: '1h' });
    const provider = track(rootProvider(vault, { token }));
    expect((await provider.get('app/config'))?.value).toBe('configured');
    vault.revokeToken(token);
    await expect(provider.get('app/config')).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe('VaultProvider retries and outages', () => {
  it('retries 5xx with backoff and succeeds under a 30% error rate', async () => {
    const vault = await emulator({ random: seeded(42) });
    const provider = rootProvider(vault, { retries: 6 });
    try {
      await provider.initialize();
      vault.faults.set({ errorRate: 0.3 });
      for (let i = 0; i < 20; i++) {
        await provider.set(`retry/k${i}`, `v${i}`);
        expect((await provider.get(`retry/k${i}`))?.value).toBe(`v${i}`);
      }
      expect(vault.faults.injected.error).toBeGreaterThan(0);
      expect(provider.metrics().retries).toBe(vault.faults.injected.error);
    } finally {
      await provider.dispose();
      await vault.stop();
    }
  });

  it('gives up after its retries with ProviderUnavailableError, without the value', async () => {
    const vault = await emulator();
    const provider = rootProvider(vault, { retries: 2 });
    try {
      await provider.initialize();
      vault.resetCounters();
      vault.faults.set({ errorRate: 1 });
      const error = await provider.set('down/k', PLANTED).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expectNoValue(error);
      expect(vault.counters['kv.data.write']).toBe(3);
      vault.faults.set({ errorRate: 0, throttleRate: 1 });
      await expect(provider.get('down/k')).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(provider.metrics().throttled).toBe(3);
    } finally {
      await provider.dispose();
      await vault.stop();
    }
  });

  it('never retries a 4xx, and checks tags before writing anything', async () => {
    const vault = await emulator();
    const provider = rootProvider(vault);
    try {
      await provider.set('app/x', 'v');
      vault.resetCounters();
      await expect(provider.set('app/x', 'v2', { expectedVersion: '7' })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(vault.counters['kv.data.write']).toBe(1);
      const reader = new VaultProvider({
        address: vault.url,
        token: vault.createToken({ policies: ['readonly'] }),
        env: {},
      });
      await expect(reader.set('app/x', 'v3')).rejects.toBeInstanceOf(AccessDeniedError);
      expect(vault.counters['kv.data.write']).toBe(2);
      // Vault refuses empty custom-metadata values; the provider says so before any request.
      await expect(provider.set('app/x', 'v4', { tags: { empty: '' } })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(vault.counters['kv.data.write']).toBe(2);
      expect((await provider.get('app/x'))?.version).toBe('1');
    } finally {
      await provider.dispose();
      await vault.stop();
    }
  });

  it('maps an outage, a refused connection and a timeout to ProviderUnavailableError', async () => {
    const vault = await emulator();
    const provider = rootProvider(vault, { retries: 1, requestTimeout: 300 });
    try {
      await provider.initialize();
      vault.faults.set({ outage: true });
      await expect(provider.get('app/x')).rejects.toBeInstanceOf(ProviderUnavailableError);
      vault.faults.set({ outage: false, latencyMs: 2_000 });
      const timedOut = await provider.get('app/x').catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(ProviderUnavailableError);
      expect((timedOut as ProviderUnavailableError).failures[0]?.code).toBe('ECONNABORTED');
    } finally {
      vault.faults.clear();
      await provider.dispose();
      await vault.stop();
    }
    const refused = new VaultProvider({
      address: 'http://127.0.0.1:59999',
      token: 't',
      retries: 1,
      retryBaseDelayMs: 1,
      env: {},
    });
    const error = await refused.get('app/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).failures[0]?.code).toBe('ECONNREFUSED');
  });

  it('lets the manager fail over to the next provider while Vault is out', async () => {
    const vault = await emulator();
    const provider = rootProvider(vault, { retries: 1 });
    const memory = new MemoryProvider({ name: 'memory', secrets: { 'app/db-url': 'postgres://fallback' } });
    try {
      await provider.set('app/db-url', 'postgres://vault');
      const manager = new SecretManager({ providers: [provider, memory], cache: { enabled: false } });
      expect((await manager.getSecret('app/db-url'))?.value).toBe('postgres://vault');
      vault.faults.set({ outage: true });
      const fallback = await manager.getSecret('app/db-url');
      expect(fallback?.value).toBe('postgres://fallback');
      expect(fallback?.provider).toBe('memory');
    } finally {
      vault.faults.clear();
      await provider.dispose();
      await vault.stop();
    }
  });
});
