import { ClientSecretCredential } from '@azure/identity';
import {
  AccessDeniedError,
  ConfigError,
  InvalidSecretNameError,
  ProviderError,
  ProviderUnavailableError,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin, { AzureKeyVaultProvider } from '../src/index.js';
import { emulatorProvider, FixedTokenCredential } from './helpers.js';

const PLANTED = 'planted-value-7f3a9c-do-not-print';

/** Runs a call expected to fail and checks the planted value shows nowhere in the error. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
  const text = `${error.message} ${String(error)} ${JSON.stringify(error)} ${(error as { hint?: string }).hint ?? ''}`;
  expect(text).not.toContain(PLANTED);
  return error;
}

describe('AzureKeyVaultProvider against the emulator', () => {
  let kv: AzureKeyVaultEmulator;
  let provider: AzureKeyVaultProvider;

  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator();
    provider = emulatorProvider(kv, { maxRetries: 2 });
  });
  afterAll(async () => kv?.stop());
  afterEach(() => kv.faults.clear());

  it('authenticates through the challenge: first request without a token, 401, then the bearer token', async () => {
    const credential = new FixedTokenCredential(kv.token);
    const fresh = emulatorProvider(kv, { credential });
    const challenges = kv.requests.challenges;
    await fresh.set('challenge/check', 'x');
    expect(kv.requests.challenges).toBe(challenges + 1);
    expect(fresh.metrics()).toMatchObject({ requests: 2, challenges: 1, retries: 0 });
    expect(credential.calls).toEqual([
      { scopes: ['https://vault.azure.net/.default'], tenantId: kv.tenantId },
    ]);
    expect((await fresh.get('challenge/check'))?.value).toBe('x');
    expect(kv.requests.challenges).toBe(challenges + 1);
  });

  it('authenticates with ClientSecretCredential against the emulator token endpoint', async () => {
    const credential = new ClientSecretCredential(kv.tenantId, kv.clientId, kv.clientSecret, {
      authorityHost: kv.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: kv.ca },
    });
    const viaEntra = emulatorProvider(kv, { credential });
    const issued = kv.requests.tokensIssued;
    await viaEntra.set('entra/check', 'y');
    expect((await viaEntra.get('entra/check'))?.value).toBe('y');
    expect(kv.requests.tokensIssued).toBeGreaterThan(issued);
  });

  it('maps hush names to vault names and back through list', async () => {
    const names = ['app/DATABASE_URL', 'app/api-key-stripe', 'app/config.v2', 'app/Mixed/Case_Name.x-y'];
    for (const name of names) await provider.set(name, `value of ${name}`);
    const listed = await provider.list({ prefix: 'app/' });
    expect(listed.map((s) => s.key)).toEqual([...names].sort());
    for (const name of names) expect((await provider.get(name))?.value).toBe(`value of ${name}`);
    // What the vault holds: lowercase, digits and dashes only.
    const raw: string[] = [];
    for await (const p of provider.client.listPropertiesOfSecrets()) raw.push(p.name);
    expect(raw).toContain('app-s-cdatabase-uurl');
    expect(raw).toContain('app-sapi--key--stripe');
  });

  it('ignores vault secrets whose names hush did not write', async () => {
    await provider.client.setSecret('Made-Outside', 'x');
    expect((await provider.list()).map((s) => s.key)).not.toContain('Made-Outside');
    const raw = emulatorProvider(kv, { nameMapping: 'none' });
    expect((await raw.get('Made-Outside'))?.value).toBe('x');
    await expect(raw.get('with_underscore')).rejects.toBeInstanceOf(InvalidSecretNameError);
  });

  it('soft-deletes, refuses reuse of the name, then recovers', async () => {
    await provider.set('lifecycle/one', PLANTED);
    expect(await provider.delete('lifecycle/one')).toBe(true);
    expect(await provider.get('lifecycle/one')).toBeNull();
    expect(await provider.listDeleted()).toContain('lifecycle/one');

    const conflict = await failure(provider.set('lifecycle/one', PLANTED));
    expect(conflict).toBeInstanceOf(ProviderError);
    expect(conflict.message).toMatch(/deleted but recoverable/);

    expect(await provider.recover('lifecycle/one')).toBe(true);
    expect((await provider.get('lifecycle/one'))?.value).toBe(PLANTED);
    expect(await provider.recover('lifecycle/never')).toBe(false);
  });

  it('writes over a soft-deleted name when told to recover or purge', async () => {
    const recovering = emulatorProvider(kv, { onDeletedConflict: 'recover' });
    await recovering.set('overwrite/recover', 'old');
    await recovering.delete('overwrite/recover');
    await recovering.set('overwrite/recover', 'new');
    expect((await recovering.get('overwrite/recover'))?.value).toBe('new');
    expect(await recovering.listVersions('overwrite/recover')).toHaveLength(2);

    const purging = emulatorProvider(kv, { onDeletedConflict: 'purge' });
    await purging.set('overwrite/purge', 'old');
    await purging.delete('overwrite/purge');
    await purging.set('overwrite/purge', 'new');
    expect(await purging.listVersions('overwrite/purge')).toHaveLength(1);
  });

  it('purges with permanent: true, leaving nothing to recover', async () => {
    await provider.set('lifecycle/purged', 'v');
    expect(await provider.delete('lifecycle/purged', { permanent: true })).toBe(true);
    expect(await provider.listDeleted()).not.toContain('lifecycle/purged');
    expect(await provider.recover('lifecycle/purged')).toBe(false);
    await provider.set('lifecycle/purged', 'again');
    // A permanent delete also erases what an earlier soft delete left.
    await provider.delete('lifecycle/purged');
    expect(await provider.delete('lifecycle/purged', { permanent: true })).toBe(true);
    expect(await provider.delete('lifecycle/purged', { permanent: true })).toBe(false);
  });

  it('lists versions oldest first, reads by id or ordinal, and rolls back by writing the old value', async () => {
    const first = await provider.set('versions/db', 'v1', { tags: { stage: 'one' } });
    const second = await provider.set('versions/db', 'v2', { tags: { stage: 'two' } });
    const versions = await provider.listVersions('versions/db');
    expect(versions.map((v) => v.version)).toEqual([first.version, second.version]);
    expect(versions.map((v) => v.current)).toEqual([false, true]);
    expect((await provider.get('versions/db', { version: first.version }))?.value).toBe('v1');
    expect((await provider.get('versions/db', { version: '1' }))?.value).toBe('v1');
    expect(await provider.get('versions/db', { version: '3' })).toBeNull();
    expect(await provider.get('versions/db', { version: 'nonsense' })).toBeNull();

    const rolled = await provider.rollback('versions/db', first.version);
    expect(rolled.version).not.toBe(first.version);
    const now = await provider.get('versions/db');
    expect(now?.value).toBe('v1');
    expect(now?.tags).toEqual({ stage: 'one' });
    expect(await provider.listVersions('versions/db')).toHaveLength(3);
    await expect(provider.rollback('versions/db', '0123456789abcdef0123456789abcdef')).rejects.toBeInstanceOf(
      ProviderError,
    );
  });

  it('rolls back with the abort signal on the read of the old version too: an aborted rollback sends nothing', async () => {
    const first = await provider.set('versions/aborted', 'v1');
    await provider.set('versions/aborted', 'v2');
    const controller = new AbortController();
    controller.abort();
    const before = kv.requests.total;
    await expect(
      provider.rollback('versions/aborted', first.version, { abortSignal: controller.signal }),
    ).rejects.toThrow();
    expect(kv.requests.total).toBe(before);
    expect((await provider.get('versions/aborted'))?.value).toBe('v2');
  });

  it('keeps tags, metadata, scope and expiry', async () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    await provider.set('meta/all', 'v', {
      tags: { env: 'prod' },
      metadata: { owner: 'team-a' },
      scope: 'plugin',
      expiresAt,
    });
    const secret = await provider.get('meta/all');
    expect(secret?.tags).toEqual({ env: 'prod' });
    expect(secret?.metadata).toEqual({ owner: 'team-a' });
    expect(secret?.scope).toBe('plugin');
    expect(Math.abs(secret!.expiresAt!.getTime() - expiresAt.getTime())).toBeLessThan(1000);
    const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'x']));
    await expect(provider.set('meta/many', 'v', { tags: tooMany })).rejects.toBeInstanceOf(ValidationError);
  });

  it('expires the previous versions when asked (rotate with expireOldVersion)', async () => {
    const old = await provider.set('rotate/key', 'old');
    const fresh = await provider.set('rotate/key', 'new', { expirePreviousVersions: true });
    const versions = await provider.listVersions('rotate/key');
    const previous = versions.find((v) => v.version === old.version)!;
    expect(previous.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(versions.find((v) => v.version === fresh.version)?.expiresAt).toBeUndefined();
  });

  it('checks expectedVersion before writing', async () => {
    await expect(provider.set('cas/key', 'a', { expectedVersion: '0' })).resolves.toBeDefined();
    const current = (await provider.get('cas/key'))!.version;
    await expect(provider.set('cas/key', 'b', { expectedVersion: '0' })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    await expect(provider.set('cas/key', 'b', { expectedVersion: current })).resolves.toBeDefined();
  });

  it('reads a disabled secret as absent and lists its version as disabled', async () => {
    const info = await provider.set('disabled/key', 'v');
    await provider.client.updateSecretProperties(info.key.replace('/', '-s'), info.version, {
      enabled: false,
    });
    expect(await provider.get('disabled/key')).toBeNull();
    expect((await provider.listVersions('disabled/key'))[0]).toMatchObject({
      state: 'disabled',
      current: true,
    });
  });

  it('refuses values over 25k bytes and invalid names before any request, without showing the value', async () => {
    const before = kv.requests.total;
    const error = await failure(provider.set('big/value', PLANTED.repeat(1000)));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/25600 bytes/);
    await expect(provider.get('bad name')).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(provider.get(`x/${'y'.repeat(130)}`)).rejects.toBeInstanceOf(InvalidSecretNameError);
    expect(kv.requests.total).toBe(before);
    await provider.set('big/ok', 'x'.repeat(25 * 1024));
    expect((await provider.get('big/ok'))?.value).toHaveLength(25 * 1024);
  });

  it('maps a missing permission to AccessDeniedError', async () => {
    kv.addToken('reader-token', ['get', 'list']);
    const reader = emulatorProvider(kv, { credential: new FixedTokenCredential('reader-token') });
    await provider.set('acl/key', PLANTED);
    expect((await reader.get('acl/key'))?.value).toBe(PLANTED);
    const denied = await failure(reader.set('acl/key', PLANTED));
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect(denied.message).toMatch(/403/);
  });

  it('maps a rejected token to AccessDeniedError', async () => {
    const stranger = emulatorProvider(kv, { credential: new FixedTokenCredential('unknown-token') });
    expect(await failure(stranger.get('acl/key'))).toBeInstanceOf(AccessDeniedError);
  });

  it('maps a credential the token endpoint refuses to AccessDeniedError', async () => {
    const credential = new ClientSecretCredential(kv.tenantId, kv.clientId, 'wrong-secret', {
      authorityHost: kv.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: kv.ca },
    });
    const error = await failure(emulatorProvider(kv, { credential }).get('acl/key'));
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.message).not.toContain('wrong-secret');
  });

  it('maps an unreachable token endpoint to ProviderUnavailableError', async () => {
    const closed = await startAzureKeyVaultEmulator();
    await closed.stop();
    const credential = new ClientSecretCredential(kv.tenantId, kv.clientId, kv.clientSecret, {
      authorityHost: closed.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: kv.ca },
      retryOptions: { maxRetries: 0 },
    });
    expect(await failure(emulatorProvider(kv, { credential }).get('acl/key'))).toBeInstanceOf(
      ProviderUnavailableError,
    );
  });

  it('gives up on a slow vault after timeoutMs with ProviderUnavailableError', async () => {
    // Written by the patient provider: a loaded machine must not make the setup itself time out.
    await provider.set('slow/key', 'v');
    const impatient = emulatorProvider(kv, { timeoutMs: 100, maxRetries: 0 });
    kv.faults.set({ latencyMs: 1000 });
    expect(await failure(impatient.get('slow/key'))).toBeInstanceOf(ProviderUnavailableError);
  });

  it('retries 5xx with backoff and succeeds under a 30% error rate', async () => {
    const patient = emulatorProvider(kv, { maxRetries: 8 });
    await patient.set('faults/flaky', PLANTED);
    const before = patient.metrics();
    const injectedBefore = kv.faults.injected.error;
    kv.faults.set({ errorRate: 0.3 });
    for (let i = 0; i < 30; i++) expect((await patient.get('faults/flaky'))?.value).toBe(PLANTED);
    const injected = kv.faults.injected.error - injectedBefore;
    expect(injected).toBeGreaterThan(0);
    expect(patient.metrics().retries! - before.retries!).toBe(injected);
  });

  it('retries 5xx with backoff, then reports ProviderUnavailableError', async () => {
    await provider.set('faults/key', PLANTED);
    const before = provider.metrics();
    kv.faults.set({ errorRate: 1 });
    const error = await failure(provider.get('faults/key'));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    const after = provider.metrics();
    expect(after.retries! - before.retries!).toBe(2);
    expect(after.serverErrors! - before.serverErrors!).toBe(3);
  });

  it('retries throttling (429 + Retry-After), then reports ProviderUnavailableError', async () => {
    const quick = await startAzureKeyVaultEmulator({ throttleRetryAfterSeconds: 0 });
    try {
      const p = emulatorProvider(quick, { maxRetries: 2 });
      await p.set('t/key', 'v');
      quick.faults.set({ throttleRate: 1 });
      expect(await failure(p.get('t/key'))).toBeInstanceOf(ProviderUnavailableError);
      expect(p.metrics().throttled).toBe(3);
      quick.faults.clear();
      expect((await p.get('t/key'))?.value).toBe('v');
    } finally {
      await quick.stop();
    }
  });

  it('reports an outage (dropped connections) and a refused connection as ProviderUnavailableError', async () => {
    kv.faults.set({ outage: true });
    expect(await failure(provider.get('faults/key'))).toBeInstanceOf(ProviderUnavailableError);
    expect((await provider.health()).status).toBe('unhealthy');
    kv.faults.clear();
    expect((await provider.health()).status).toBe('healthy');

    const closed = await startAzureKeyVaultEmulator();
    await closed.stop();
    const refused = emulatorProvider(closed, { maxRetries: 1 });
    const error = await failure(refused.get('any/key'));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).failures[0]?.code).toBe('ECONNREFUSED');
  });
});

describe('AzureKeyVaultProvider with slow deletes and recoveries (the SDK pollers at work)', () => {
  it('waits for a delete and a recovery that take a while, as on the real service', async () => {
    // The emulator's clock moves 100 ms each time it is read, so the 1.5 s delete and recovery take
    // several polls without any real waiting.
    let clock = Date.now();
    const kv = await startAzureKeyVaultEmulator({ operationDelayMs: 1500, now: () => (clock += 100) });
    try {
      const provider = emulatorProvider(kv, { pollIntervalMs: 1 });
      await provider.set('slow/secret', 'v');
      const polls = () =>
        (kv.requests.operations.GetDeletedSecret ?? 0) + (kv.requests.operations.GetSecret ?? 0);
      const before = polls();
      expect(await provider.delete('slow/secret')).toBe(true);
      expect(polls() - before).toBeGreaterThan(1);
      expect(await provider.listDeleted()).toContain('slow/secret');
      expect(await provider.recover('slow/secret')).toBe(true);
      expect((await provider.get('slow/secret'))?.value).toBe('v');
      expect(await provider.delete('slow/secret', { permanent: true })).toBe(true);
      expect(await provider.listDeleted()).not.toContain('slow/secret');
    } finally {
      await kv.stop();
    }
  });
});

describe('AzureKeyVaultProvider configuration', () => {
  it('takes the vault URL from options, then AZURE_VAULT_URL, then AZURE_KEYVAULT_URL', () => {
    const credential = new FixedTokenCredential('t');
    expect(new AzureKeyVaultProvider({ vaultUrl: 'https://a.vault.azure.net/', credential }).vaultUrl).toBe(
      'https://a.vault.azure.net',
    );
    expect(
      new AzureKeyVaultProvider({ credential, env: { AZURE_VAULT_URL: 'https://b.vault.azure.net' } })
        .vaultUrl,
    ).toBe('https://b.vault.azure.net');
    expect(
      new AzureKeyVaultProvider({ credential, env: { AZURE_KEYVAULT_URL: 'https://c.vault.azure.net' } })
        .vaultUrl,
    ).toBe('https://c.vault.azure.net');
    expect(() => new AzureKeyVaultProvider({ credential, env: {} })).toThrow(ConfigError);
    expect(() => new AzureKeyVaultProvider({ credential, vaultUrl: 'not a url' })).toThrow(ConfigError);
  });

  it('exposes cacheTtlSeconds for the manager and uses DefaultAzureCredential when given none', () => {
    const p = new AzureKeyVaultProvider({ vaultUrl: 'https://a.vault.azure.net', cacheTtlSeconds: 300 });
    expect(p.cacheTtlSeconds).toBe(300);
    expect(p.kind).toBe('azure');
    expect(
      () => new AzureKeyVaultProvider({ vaultUrl: 'https://a.vault.azure.net', cacheTtlSeconds: -1 }),
    ).toThrow(ConfigError);
  });

  it('is created by the plugin with the instance name and the context environment', async () => {
    const created = await plugin.create(
      {},
      { name: 'kv-prod', root: '/', env: { AZURE_VAULT_URL: 'https://p.vault.azure.net' } },
    );
    expect(plugin.kind).toBe('azure');
    expect(created.name).toBe('kv-prod');
    expect((created as AzureKeyVaultProvider).vaultUrl).toBe('https://p.vault.azure.net');
  });

  it('explains the host check when the challenge resource does not match the vault host', async () => {
    const kv = await startAzureKeyVaultEmulator();
    try {
      // A loopback vault has the check off by default; asked for explicitly, it is kept.
      const strict = new AzureKeyVaultProvider({
        vaultUrl: kv.vaultUrl,
        credential: new FixedTokenCredential(kv.token),
        clientOptions: { tlsOptions: { ca: kv.ca }, disableChallengeResourceVerification: false },
      });
      const error = await failure(strict.get('any/key'));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).hint).toContain('disableChallengeResourceVerification');
    } finally {
      await kv.stop();
    }
  });
});
