import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  AccessDeniedError,
  ConfigError,
  InvalidSecretNameError,
  ProviderUnavailableError,
  SecretManager,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import type { AwsSecretsManagerEmulator } from '@hush/emulators';
import { MemoryProvider } from '@hush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { AwsSecretsManagerProvider, BINARY_METADATA_KEY } from '../src/index.js';
import { providerFor, startEmulator } from './helpers.js';

const PLANTED = 'planted-value-7f3a9c-never-in-errors';

let emulator: AwsSecretsManagerEmulator;
let provider: AwsSecretsManagerProvider;

beforeAll(async () => {
  emulator = await startEmulator();
  provider = providerFor(emulator);
});
afterAll(async () => {
  await provider.dispose();
  await emulator.stop();
});

function expectNoValue(error: unknown, value = PLANTED) {
  const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
  expect(text).not.toContain(value);
}

describe('reading and writing', () => {
  it('round-trips a value and describes it', async () => {
    const info = await provider.set('app/db-password', PLANTED, {
      tags: { env: 'prod' },
      metadata: { owner: 'team-a' },
    });
    expect(info.version).toMatch(/^[0-9a-f-]{36}$/);
    const secret = await provider.get('app/db-password');
    expect(secret?.value).toBe(PLANTED);
    expect(secret?.version).toBe(info.version);
    expect(secret?.tags).toEqual({ env: 'prod' });
    expect(secret?.metadata).toEqual({ owner: 'team-a' });
    expect(secret?.provider).toBe('aws');
    expect(JSON.stringify(secret)).not.toContain(PLANTED);
  });

  it('returns null for a missing secret and validates names first', async () => {
    expect(await provider.get('app/missing')).toBeNull();
    await expect(provider.get('bad name')).rejects.toBeInstanceOf(InvalidSecretNameError);
  });

  it('keeps AWSPREVIOUS on the old version after a rotation, and reads it by VersionId', async () => {
    const first = await provider.set('rotate/api-key', 'old-key');
    const second = await provider.set('rotate/api-key', 'new-key');
    const previous = await provider.client.send(
      new GetSecretValueCommand({ SecretId: 'rotate/api-key', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('old-key');
    expect(previous.VersionId).toBe(first.version);
    expect((await provider.get('rotate/api-key', { version: first.version }))?.value).toBe('old-key');
    const versions = await provider.listVersions('rotate/api-key');
    expect(versions.map((v) => [v.version, v.current, v.labels])).toEqual([
      [first.version, false, ['AWSPREVIOUS']],
      [second.version, true, ['AWSCURRENT']],
    ]);
    expect(await provider.get('rotate/api-key', { version: 'not-a-version' })).toBeNull();
    expect(
      await provider.get('rotate/api-key', { version: '00000000-0000-4000-8000-00000000dead' }),
    ).toBeNull();
  });

  it('rolls back by moving AWSCURRENT', async () => {
    const good = await provider.set('rollback/conf', 'good');
    const bad = await provider.set('rollback/conf', 'bad');
    const info = await provider.rollback('rollback/conf', good.version);
    expect(info.version).toBe(good.version);
    expect((await provider.get('rollback/conf'))?.value).toBe('good');
    const versions = await provider.listVersions('rollback/conf');
    expect(versions.find((v) => v.version === bad.version)?.labels).toEqual(['AWSPREVIOUS']);
    expect(versions.find((v) => v.version === good.version)?.labels).toEqual(['AWSCURRENT']);
  });

  it('drops AWSPREVIOUS when asked to expire previous versions', async () => {
    const old = await provider.set('rotate/expiring-old', 'one');
    await provider.set('rotate/expiring-old', 'two', { expirePreviousVersions: true });
    const versions = await provider.listVersions('rotate/expiring-old');
    expect(versions.find((v) => v.version === old.version)?.labels).toEqual([]);
  });

  it('keeps expiry in a tag and clears it on a write without one', async () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    await provider.set('expiry/token', 'v1', { expiresAt });
    expect((await provider.get('expiry/token'))?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    await provider.set('expiry/token', 'v2');
    expect((await provider.get('expiry/token'))?.expiresAt).toBeUndefined();
  });

  it('refuses reserved tag keys', async () => {
    await expect(provider.set('tags/bad', 'x', { tags: { 'hush:expires-at': 'x' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(provider.set('tags/bad', 'x', { tags: { 'aws:owner': 'x' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('surfaces SecretBinary as base64 text, flagged in metadata', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    await provider.client.send(new CreateSecretCommand({ Name: 'binary/cert', SecretBinary: bytes }));
    const secret = await provider.get('binary/cert');
    expect(secret?.value).toBe(bytes.toString('base64'));
    expect(secret?.metadata[BINARY_METADATA_KEY]).toBe('base64');
    await provider.setBinary('binary/written', new Uint8Array([9, 8, 7]));
    expect((await provider.get('binary/written'))?.value).toBe(Buffer.from([9, 8, 7]).toString('base64'));
  });

  it('compares expectedVersion before writing (best effort CAS)', async () => {
    const first = await provider.set('cas/key', 'one', { expectedVersion: '0' });
    await expect(provider.set('cas/key', 'two', { expectedVersion: '0' })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    const second = await provider.set('cas/key', 'two', { expectedVersion: first.version });
    await expect(provider.set('cas/key', 'three', { expectedVersion: first.version })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    await expect(provider.set('cas/absent', 'x', { expectedVersion: second.version })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect((await provider.get('cas/key'))?.value).toBe('two');
  });
});

describe('deleting and restoring', () => {
  it('schedules deletion with a recovery window, restores, and deletes permanently', async () => {
    await provider.set('delete/me', PLANTED);
    expect(await provider.delete('delete/me')).toBe(true);
    expect(await provider.get('delete/me')).toBeNull();
    expect(await provider.delete('delete/me')).toBe(false);
    expect((await provider.list({ prefix: 'delete/' })).map((s) => s.key)).toEqual([]);
    expect(await provider.restore('delete/me')).toBe(true);
    expect((await provider.get('delete/me'))?.value).toBe(PLANTED);
    expect(await provider.delete('delete/me', { permanent: true })).toBe(true);
    expect(await provider.restore('delete/me')).toBe(false);
    expect(await provider.delete('delete/never')).toBe(false);
  });

  it('deletes at once with { force: true }, as with permanent', async () => {
    await provider.set('delete/forced', PLANTED);
    expect(await provider.delete('delete/forced', { force: true })).toBe(true);
    // Gone for good: nothing to restore, and the name is free again at once.
    expect(await provider.restore('delete/forced')).toBe(false);
    await provider.set('delete/forced', 'again');
    expect((await provider.get('delete/forced'))?.value).toBe('again');
  });

  it('uses the configured recovery window', async () => {
    const week = providerFor(emulator, { recoveryWindowDays: 7 });
    await week.set('delete/week', 'x');
    await week.delete('delete/week');
    const stored = emulator.store.toJSON().secrets.find((s) => s.name === 'delete/week')!;
    expect(stored.purgeAt! - stored.deletedAt!).toBe(7 * 86_400_000);
    expect(() => providerFor(emulator, { recoveryWindowDays: 3 })).toThrow(ValidationError);
  });

  it('brings a deleted name back when it is written again', async () => {
    await provider.set('delete/rewritten', 'one');
    await provider.delete('delete/rewritten');
    await provider.set('delete/rewritten', 'two');
    expect((await provider.get('delete/rewritten'))?.value).toBe('two');
  });
});

describe('listing', () => {
  it('pages through ListSecrets and filters the prefix exactly', async () => {
    const lister = await startEmulator();
    const p = providerFor(lister);
    try {
      for (let i = 0; i < 230; i += 10)
        await Promise.all(
          Array.from({ length: 10 }, (_, j) => p.set(`paged/s${String(i + j).padStart(3, '0')}`, 'x')),
        );
      await p.set('pagedx/other', 'x');
      lister.resetCalls();
      const listed = await p.list({ prefix: 'paged/' });
      expect(listed).toHaveLength(230);
      expect(lister.calls.ListSecrets).toBe(3);
      expect(listed.map((s) => s.key).sort()[0]).toBe('paged/s000');
      expect(listed[0]).toMatchObject({ provider: 'aws', tags: {}, metadata: {} });
      expect(typeof listed[0]!.version).toBe('string');
      expect((await p.list()).length).toBe(231);
    } finally {
      await p.dispose();
      await lister.stop();
    }
  });

  it('maps names under a provider prefix and ignores the rest', async () => {
    const scoped = providerFor(emulator, { prefix: 'team-a/' });
    await scoped.set('db/url', 'postgres://');
    expect((await provider.get('team-a/db/url'))?.value).toBe('postgres://');
    expect((await scoped.list()).map((s) => s.key)).toEqual(['db/url']);
    expect((await scoped.get('db/url'))?.key).toBe('db/url');
  });
});

describe('batch reads', () => {
  it('reads 45 secrets in 3 BatchGetSecretValue calls, missing ones as null', async () => {
    const batch = await startEmulator();
    const p = providerFor(batch);
    try {
      const keys = Array.from({ length: 44 }, (_, i) => `batch/k${i}`);
      for (let i = 0; i < keys.length; i += 11)
        await Promise.all(keys.slice(i, i + 11).map((k, j) => p.set(k, `v${i + j}`)));
      batch.resetCalls();
      const result = await p.getMany([...keys, 'batch/missing']);
      expect(batch.calls.BatchGetSecretValue).toBe(3);
      expect(batch.calls.GetSecretValue).toBeUndefined();
      expect(result.size).toBe(45);
      expect(keys.every((k, i) => result.get(k)?.value === `v${i}`)).toBe(true);
      expect(result.get('batch/missing')).toBeNull();
      expect(p.metrics().batchCalls).toBe(3);
    } finally {
      await p.dispose();
      await batch.stop();
    }
  });

  it('maps per-secret errors: denied secrets fail the read, detailed results name each outcome', async () => {
    const guarded = await startEmulator({
      credentials: [
        { accessKeyId: 'AKIAADMIN00000000000', secretAccessKey: 'admin' },
        { accessKeyId: 'AKIAREADER0000000000', secretAccessKey: 'reader', deniedSecrets: ['vault/*'] },
      ],
    });
    const admin = providerFor(guarded, {
      credentials: { accessKeyId: 'AKIAADMIN00000000000', secretAccessKey: 'admin' },
    });
    const reader = providerFor(guarded, {
      credentials: { accessKeyId: 'AKIAREADER0000000000', secretAccessKey: 'reader' },
    });
    try {
      await admin.set('open/a', 'A');
      await admin.set('vault/b', PLANTED);
      const detailed = await reader.batchGet(['open/a', 'vault/b', 'open/none']);
      expect(detailed.get('open/a')).toMatchObject({ status: 'found' });
      expect(detailed.get('open/none')).toEqual({ status: 'not-found' });
      const denied = detailed.get('vault/b');
      expect(denied?.status).toBe('error');
      expect(denied?.status === 'error' && denied.error).toBeInstanceOf(AccessDeniedError);
      const error = await reader.getMany(['open/a', 'vault/b']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(String(error)).toContain('vault/b');
      expectNoValue(error);
      const single = await reader.get('vault/b').catch((e: unknown) => e);
      expect(single).toBeInstanceOf(AccessDeniedError);
      expectNoValue(single);
    } finally {
      await admin.dispose();
      await reader.dispose();
      await guarded.stop();
    }
  });
});

describe('authentication', () => {
  it('rejects a signature made with the wrong secret key', async () => {
    const wrong = providerFor(emulator, {
      credentials: { accessKeyId: emulator.accessKeyId, secretAccessKey: 'not-the-secret-key' },
    });
    const error = await wrong.get('app/db-password').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toContain('InvalidSignatureException');
    expectNoValue(error);
    await wrong.dispose();
  });

  it('rejects an unknown access key', async () => {
    const unknown = providerFor(emulator, {
      credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' },
    });
    const error = await unknown.set('app/x', PLANTED).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toContain('UnrecognizedClientException');
    expectNoValue(error);
    await unknown.dispose();
  });

  it('rejects a stale signing date; the SDK corrects its clock from the answer when it may retry', async () => {
    const skewed = providerFor(emulator, {
      maxAttempts: 1,
      clientConfig: { systemClockOffset: -10 * 60_000 },
    });
    const error = await skewed.get('app/db-password').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toMatch(
      /InvalidSignatureException: Signature expired: \d{8}T\d{6}Z is now earlier than/,
    );
    await skewed.dispose();
    const corrected = providerFor(emulator, {
      maxAttempts: 3,
      clientConfig: { systemClockOffset: -10 * 60_000 },
    });
    expect((await corrected.get('app/db-password'))?.value).toBe(PLANTED);
    expect(corrected.metrics().retries).toBeGreaterThanOrEqual(1);
    await corrected.dispose();
  });

  it('reports a policy denial as AccessDeniedError', async () => {
    const limited = await startEmulator({
      credentials: [
        {
          accessKeyId: 'AKIARO00000000000000',
          secretAccessKey: 'ro',
          allowedOperations: ['GetSecretValue', 'DescribeSecret'],
        },
      ],
    });
    const ro = providerFor(limited, {
      credentials: { accessKeyId: 'AKIARO00000000000000', secretAccessKey: 'ro' },
    });
    try {
      const error = await ro.set('x/y', PLANTED).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect((error as Error).message).toContain('secretsmanager:PutSecretValue');
      expectNoValue(error);
    } finally {
      await ro.dispose();
      await limited.stop();
    }
  });

  it('makes one request for a plain read, with the tags it knows from its own write', async () => {
    const emulator = await startEmulator();
    const writer = providerFor(emulator);
    const reader = providerFor(emulator);
    try {
      await writer.set('one-request/key', 'v1', { tags: { team: 'payments' } });
      emulator.resetCalls();
      const secret = await writer.get('one-request/key');
      expect(secret?.value).toBe('v1');
      expect(secret?.tags).toEqual({ team: 'payments' });
      expect(emulator.calls).toEqual({ GetSecretValue: 1 });
      // Another instance has not seen the secret: still one request, tags once it has listed it.
      emulator.resetCalls();
      expect((await reader.get('one-request/key'))?.tags).toEqual({});
      expect(emulator.calls).toEqual({ GetSecretValue: 1 });
      await reader.list({ prefix: 'one-request/' });
      expect((await reader.get('one-request/key'))?.tags).toEqual({ team: 'payments' });
      // readTags: true asks DescribeSecret once, then knows.
      const asking = providerFor(emulator, { readTags: true });
      emulator.resetCalls();
      await asking.get('one-request/key');
      await asking.get('one-request/key');
      expect(emulator.calls).toEqual({ GetSecretValue: 2, DescribeSecret: 1 });
      await asking.dispose();
    } finally {
      await writer.dispose();
      await reader.dispose();
      await emulator.stop();
    }
  });

  it('passes the abort signal to the SDK: an aborted read stops', async () => {
    const emulator = await startEmulator({ faults: { latencyMs: 2_000 } });
    const provider = providerFor(emulator, { maxAttempts: 1 });
    try {
      const controller = new AbortController();
      const read = provider.get('slow', { abortSignal: controller.signal }).catch((e: unknown) => e);
      setTimeout(() => controller.abort(), 50);
      const error = (await read) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(`${error.name} ${error.message} ${String((error as { cause?: Error }).cause?.name)}`).toMatch(
        /abort/i,
      );
    } finally {
      await provider.dispose();
      await emulator.stop();
    }
  });

  it('still reads a value when DescribeSecret is denied, without tags', async () => {
    const limited = await startEmulator({
      credentials: [
        { accessKeyId: 'AKIAADMIN00000000000', secretAccessKey: 'admin' },
        {
          accessKeyId: 'AKIAGETONLY000000000',
          secretAccessKey: 'get',
          allowedOperations: ['GetSecretValue'],
        },
      ],
    });
    const admin = providerFor(limited, {
      credentials: { accessKeyId: 'AKIAADMIN00000000000', secretAccessKey: 'admin' },
    });
    const getOnly = providerFor(limited, {
      credentials: { accessKeyId: 'AKIAGETONLY000000000', secretAccessKey: 'get' },
      readTags: true,
    });
    try {
      await admin.set('least/privilege', 'readable', { tags: { env: 'prod' } });
      const secret = await getOnly.get('least/privilege');
      expect(secret?.value).toBe('readable');
      expect(secret?.tags).toEqual({});
      expect(getOnly.metrics().describeDenied).toBe(1);
      expect((await admin.get('least/privilege'))?.tags).toEqual({ env: 'prod' });
    } finally {
      await admin.dispose();
      await getOnly.dispose();
      await limited.stop();
    }
  });
});

describe('faults, retries and failover', () => {
  it('retries 5xx answers and succeeds under a 30% error rate, counting retries', async () => {
    const flaky = await startEmulator();
    const p = providerFor(flaky, { maxAttempts: 10 });
    try {
      await p.set('flaky/a', 'steady');
      flaky.faults.set({ errorRate: 0.3 });
      const reads = [];
      for (let i = 0; i < 40; i++) reads.push((await p.get('flaky/a'))?.value);
      expect(reads.every((v) => v === 'steady')).toBe(true);
      const metrics = p.metrics();
      expect(flaky.faults.injected.error).toBeGreaterThan(0);
      expect(metrics.retries).toBe(flaky.faults.injected.error);
      expect(metrics.serverErrors).toBe(flaky.faults.injected.error);
    } finally {
      await p.dispose();
      await flaky.stop();
    }
  });

  it('reports throttling after bounded retries as ProviderUnavailableError and counts it', async () => {
    const throttled = await startEmulator({ faults: { throttleRate: 1 } });
    const p = providerFor(throttled, { maxAttempts: 2, readTags: false });
    try {
      const error = await p.get('any/key').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toContain('ThrottlingException');
      expect(p.metrics().throttled).toBe(2);
      expect(p.metrics().retries).toBe(1);
      expect(throttled.calls.GetSecretValue).toBe(2);
    } finally {
      await p.dispose();
      await throttled.stop();
    }
  });

  it('reports an outage and a refused connection as ProviderUnavailableError', async () => {
    const down = await startEmulator({ faults: { outage: true } });
    const p = providerFor(down, { maxAttempts: 2 });
    try {
      const error = await p.get('any/key').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(p.metrics().networkErrors).toBeGreaterThanOrEqual(2);
      expect((await p.health()).status).toBe('unhealthy');
    } finally {
      await p.dispose();
      await down.stop();
    }
    const refused = new AwsSecretsManagerProvider({
      endpoint: 'http://127.0.0.1:59999',
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    await expect(refused.get('any/key')).rejects.toBeInstanceOf(ProviderUnavailableError);
    await refused.dispose();
  });

  it('fails over to the next provider when the AWS emulator is in outage', async () => {
    const down = await startEmulator();
    const aws = providerFor(down, { maxAttempts: 1 });
    await aws.set('shared/db-url', 'from-aws');
    const memory = new MemoryProvider({ name: 'backup' });
    await memory.set('shared/db-url', 'from-backup');
    const manager = new SecretManager({ providers: [aws, memory], cache: { enabled: false } });
    try {
      expect((await manager.getSecret('shared/db-url'))?.value).toBe('from-aws');
      down.faults.set({ outage: true });
      const secret = await manager.getSecret('shared/db-url');
      expect(secret?.value).toBe('from-backup');
      expect(secret?.provider).toBe('backup');
    } finally {
      await manager.dispose();
      await down.stop();
    }
  });

  it('reports health', async () => {
    expect(await provider.health()).toMatchObject({ status: 'healthy' });
  });
});

describe('plugin', () => {
  it('creates the provider from configuration and the plugin environment', async () => {
    const created = await plugin.create(
      { endpoint: emulator.url },
      {
        name: 'aws-test',
        root: process.cwd(),
        env: {
          AWS_REGION: emulator.region,
          AWS_ACCESS_KEY_ID: emulator.accessKeyId,
          AWS_SECRET_ACCESS_KEY: emulator.secretAccessKey,
        },
      },
    );
    expect(plugin.kind).toBe('aws');
    expect(created.name).toBe('aws-test');
    expect(created.capabilities.batchGet).toBe(true);
    expect((await created.get('app/db-password'))?.value).toBe(PLANTED);
    await created.dispose?.();
  });

  it('signs with temporary credentials (session token)', async () => {
    const temporary = await startEmulator({
      credentials: [
        {
          accessKeyId: 'ASIATEMPORARY0000000',
          secretAccessKey: 'temp-secret',
          sessionToken: 'session-token-1',
        },
      ],
    });
    const ok = providerFor(temporary, { credentials: temporary.credentials });
    const wrongToken = providerFor(temporary, {
      credentials: {
        accessKeyId: 'ASIATEMPORARY0000000',
        secretAccessKey: 'temp-secret',
        sessionToken: 'stale-token',
      },
    });
    try {
      await ok.set('temp/x', 'value');
      expect((await ok.get('temp/x'))?.value).toBe('value');
      await expect(wrongToken.get('temp/x')).rejects.toBeInstanceOf(AccessDeniedError);
    } finally {
      await ok.dispose();
      await wrongToken.dispose();
      await temporary.stop();
    }
  });

  it('says clearly when no region is configured', async () => {
    const noRegion = new AwsSecretsManagerProvider(
      { endpoint: emulator.url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
      {},
    );
    // Without AWS_REGION in the process environment (or a profile) the SDK has no region at all.
    if (!process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION && !process.env.AWS_PROFILE) {
      await expect(noRegion.initialize()).rejects.toBeInstanceOf(ConfigError);
      await expect(noRegion.get('x')).rejects.toBeInstanceOf(ConfigError);
    }
    await noRegion.dispose();
  });
});
