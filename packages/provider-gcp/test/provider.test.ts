import { createServer } from 'node:net';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import * as grpc from '@grpc/grpc-js';
import {
  AccessDeniedError,
  ConfigError,
  IntegrityError,
  InvalidSecretNameError,
  isExpired,
  ProviderError,
  ProviderUnavailableError,
  ValidationError,
  VersionConflictError,
} from '@hush/core';
import type { GcpSecretManagerEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { fromSecretId, GcpSecretManagerProvider, toSecretId } from '../src/index.js';
import { channelCredentials, PROJECT, providerFor, rejection, startEmulator } from './helpers.js';

const PLANTED = 'planted-secret-value-9d2c';

describe('GcpSecretManagerProvider against the emulator (real SDK over gRPC/TLS)', () => {
  let emulator: GcpSecretManagerEmulator;
  let provider: GcpSecretManagerProvider;

  beforeAll(async () => {
    emulator = await startEmulator();
    provider = providerFor(emulator);
  });
  afterAll(async () => {
    await provider.dispose();
    await emulator.stop();
  });

  it('writes, reads, versions and reads an older version', async () => {
    const first = await provider.set('app/db.password', 'first');
    const second = await provider.set('app/db.password', PLANTED);
    expect(first.version).toBe('1');
    expect(second.version).toBe('2');
    const latest = await provider.get('app/db.password');
    expect(latest?.value).toBe(PLANTED);
    expect(latest?.version).toBe('2');
    expect(latest?.provider).toBe('gcp');
    expect((await provider.get('app/db.password', { version: '1' }))?.value).toBe('first');
    expect(await provider.get('app/db.password', { version: '99' })).toBeNull();
    expect(await provider.get('app/db.password', { version: 'not-a-number' })).toBeNull();
    const versions = await provider.listVersions('app/db.password');
    expect(versions.map((v) => [v.version, v.state, v.current])).toEqual([
      ['2', 'enabled', true],
      ['1', 'enabled', false],
    ]);
    expect(JSON.stringify(latest)).not.toContain(PLANTED);
  });

  it('stores the id escaped on the wire and lists the hush name', async () => {
    await provider.set('svc/api_key.v2', 'x');
    expect(toSecretId('svc/api_key.v2', 'escape')).toBe('svc_-api__key_dv2');
    const raw = new SecretManagerServiceClient({
      apiEndpoint: emulator.apiEndpoint,
      port: emulator.port,
      sslCreds: channelCredentials(emulator),
      universeDomain: 'googleapis.com',
      'grpc.ssl_target_name_override': 'localhost',
    } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
    try {
      const [secret] = await raw.getSecret({ name: `projects/${PROJECT}/secrets/svc_-api__key_dv2` });
      expect(secret.name).toBe(`projects/${PROJECT}/secrets/svc_-api__key_dv2`);
    } finally {
      await raw.close();
    }
    const listed = await provider.list({ prefix: 'svc/' });
    expect(listed.map((s) => s.key)).toEqual(['svc/api_key.v2']);
  });

  it('tells not found from empty', async () => {
    expect(await provider.get('never/written')).toBeNull();
    await provider.set('empty-one', '');
    const empty = await provider.get('empty-one');
    expect(empty).not.toBeNull();
    expect(empty?.value).toBe('');
  });

  it('refuses a disabled version and serves it again once enabled', async () => {
    await provider.set('states/disabled', 'old');
    await provider.set('states/disabled', PLANTED);
    const disabled = await provider.disableVersion('states/disabled', '2');
    expect(disabled.state).toBe('disabled');
    const error = await rejection(provider.get('states/disabled'));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('DISABLED');
    expect(error.message).toContain('states/disabled');
    expect(error.message).not.toContain(PLANTED);
    expect((await provider.get('states/disabled', { version: '1' }))?.value).toBe('old');
    await provider.enableVersion('states/disabled', '2');
    expect((await provider.get('states/disabled'))?.value).toBe(PLANTED);
  });

  it('refuses a destroyed version for good', async () => {
    await provider.set('states/destroyed', PLANTED);
    await provider.set('states/destroyed', 'newer');
    expect((await provider.destroyVersion('states/destroyed', '1')).state).toBe('destroyed');
    const error = await rejection(provider.get('states/destroyed', { version: '1' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('DESTROYED');
    expect(error.message).not.toContain(PLANTED);
    expect(await rejection(provider.enableVersion('states/destroyed', '1'))).toBeInstanceOf(ProviderError);
    const versions = await provider.listVersions('states/destroyed');
    expect(versions.find((v) => v.version === '1')?.state).toBe('destroyed');
    expect((await provider.get('states/destroyed'))?.value).toBe('newer');
  });

  it('checks the CRC32C of every payload it reads', async () => {
    await provider.set('integrity/checked', PLANTED);
    emulator.testHooks.corruptChecksum(
      `projects/${PROJECT}/secrets/${toSecretId('integrity/checked', 'escape')}/versions/1`,
    );
    const error = await rejection(provider.get('integrity/checked'));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).secretName).toBe('integrity/checked');
    expect(error.message).toContain("'integrity/checked'");
    expect(error.message).not.toContain(PLANTED);
    expect(provider.metrics().integrityFailures).toBe(1);
  });

  it('rolls back by writing the old value as a new version', async () => {
    await provider.set('rollback/me', 'good');
    await provider.set('rollback/me', 'bad');
    const info = await provider.rollback('rollback/me', '1');
    expect(info.version).toBe('3');
    expect((await provider.get('rollback/me'))?.value).toBe('good');
    expect(await rejection(provider.rollback('rollback/me', '42'))).toHaveProperty(
      'code',
      'SECRET_NOT_FOUND',
    );
  });

  it('keeps tags as labels and refuses tags GCP cannot hold, naming the tag', async () => {
    const info = await provider.set('tagged', 'v', { tags: { env: 'prod', team: 'payments-eu' } });
    expect(info.tags).toEqual({ env: 'prod', team: 'payments-eu' });
    await provider.set('tagged', 'v2', { tags: { env: 'staging' } });
    expect((await provider.get('tagged'))?.tags).toEqual({ env: 'staging' });
    expect((await provider.list({ prefix: 'tagged' }))[0]?.tags).toEqual({ env: 'staging' });
    for (const [tags, named] of [
      [{ Env: 'prod' }, 'Env'],
      [{ env: 'Prod' }, 'env'],
      [{ '9lives': 'x' }, '9lives'],
      [{ 'cost.center': 'x' }, 'cost.center'],
      [{ env: 'x'.repeat(64) }, 'env'],
    ] as const) {
      const error = await rejection(provider.set('tagged', 'v3', { tags: tags as Record<string, string> }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain(`tag '${named}'`);
    }
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(await rejection(provider.set('tagged', 'v3', { tags: tooMany }))).toBeInstanceOf(ValidationError);
    expect((await provider.get('tagged'))?.version).toBe('2');
  });

  it('keeps an expiry as the secret expire_time and refuses one in the past', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    await provider.set('expiring', 'v', { expiresAt });
    const read = await provider.get('expiring');
    expect(Math.abs(read!.expiresAt!.getTime() - expiresAt.getTime())).toBeLessThan(1000);
    expect(isExpired(read!)).toBe(false);
    const later = new Date(Date.now() + 60 * 86_400_000);
    await provider.set('expiring', 'v2', { expiresAt: later });
    expect(Math.abs((await provider.get('expiring'))!.expiresAt!.getTime() - later.getTime())).toBeLessThan(
      1000,
    );
    expect(
      await rejection(provider.set('expiring', 'v3', { expiresAt: new Date(Date.now() - 1000) })),
    ).toBeInstanceOf(ValidationError);
  });

  it('keeps metadata as annotations', async () => {
    await provider.set('annotated', 'v', { metadata: { owner: 'team-a' } });
    expect((await provider.get('annotated'))?.metadata).toEqual({ owner: 'team-a' });
  });

  it('disables the older versions when a rotation asks to expire them', async () => {
    await provider.set('rotated', 'one');
    await provider.set('rotated', 'two');
    await provider.set('rotated', 'three', { expirePreviousVersions: true });
    const states = (await provider.listVersions('rotated')).map((v) => v.state);
    expect(states).toEqual(['enabled', 'disabled', 'disabled']);
  });

  it('checks an expected version before writing', async () => {
    await provider.set('cas', 'a', { expectedVersion: '0' });
    expect(await rejection(provider.set('cas', 'b', { expectedVersion: '0' }))).toBeInstanceOf(
      VersionConflictError,
    );
    expect(await rejection(provider.set('cas', 'b', { expectedVersion: '7' }))).toBeInstanceOf(
      VersionConflictError,
    );
    expect((await provider.set('cas', 'b', { expectedVersion: '1' })).version).toBe('2');
  });

  it('deletes the whole secret; deleting again says false', async () => {
    await provider.set('doomed/one', 'v');
    expect(await provider.delete('doomed/one')).toBe(true);
    expect(await provider.get('doomed/one')).toBeNull();
    expect(await provider.listVersions('doomed/one')).toEqual([]);
    expect(await provider.delete('doomed/one')).toBe(false);
  });

  it('rejects invalid names before any call', async () => {
    const before = provider.metrics().calls;
    for (const name of ['', 'a//b', '/lead', 'sp ace', 'x#y', `${'a'.repeat(200)}/${'b'.repeat(60)}`]) {
      expect(await rejection(provider.get(name))).toBeInstanceOf(InvalidSecretNameError);
    }
    expect(provider.metrics().calls).toBe(before);
  });

  it('pages through ListSecrets past one page', async () => {
    const count = 260;
    const names = Array.from({ length: count }, (_, i) => `paged/item-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 40)
      await Promise.all(names.slice(i, i + 40).map((n) => provider.set(n, 'v')));
    const before = emulator.calls.ListSecrets;
    const listed = await provider.list({ prefix: 'paged/' });
    expect(listed.map((s) => s.key)).toEqual(names);
    expect(emulator.calls.ListSecrets - before).toBeGreaterThanOrEqual(2);
    expect(listed.every((s) => s.version === 'latest')).toBe(true);
  });

  it('reports health', async () => {
    expect((await provider.health()).status).toBe('healthy');
  });
});

describe('GcpSecretManagerProvider errors', () => {
  let emulator: GcpSecretManagerEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
    const seeding = providerFor(emulator);
    await seeding.set('guarded', PLANTED);
    await seeding.dispose();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('maps a bad token to AccessDeniedError', async () => {
    const provider = providerFor(emulator, { token: 'ya29.wrong' });
    try {
      const error = await rejection(provider.get('guarded'));
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error.message).toContain('invalid authentication credentials');
      expect(error.message).not.toContain(PLANTED);
      expect((await provider.health()).status).toBe('unhealthy');
    } finally {
      await provider.dispose();
    }
  });

  it('maps a project the token may not use to AccessDeniedError', async () => {
    const provider = providerFor(emulator, { project: 'not-mine' });
    try {
      const error = await rejection(provider.set('guarded', 'x'));
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error.message).toContain('Permission');
    } finally {
      await provider.dispose();
    }
  });

  it('maps injected errors, throttling and outages to ProviderUnavailableError', async () => {
    const provider = providerFor(emulator, { timeout: 1500 });
    try {
      for (const fault of [{ errorRate: 1 }, { throttleRate: 1 }, { outage: true }]) {
        emulator.faults.set(fault);
        try {
          const error = await rejection(provider.get('guarded'));
          expect(error).toBeInstanceOf(ProviderUnavailableError);
          expect(error.message).not.toContain(PLANTED);
          expect(await rejection(provider.list())).toBeInstanceOf(ProviderUnavailableError);
        } finally {
          emulator.faults.clear();
        }
      }
      expect((await provider.get('guarded'))?.value).toBe(PLANTED);
    } finally {
      await provider.dispose();
    }
  });

  it('gives up on a refused connection within its timeout', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const provider = new GcpSecretManagerProvider({
      project: PROJECT,
      apiEndpoint: '127.0.0.1',
      port: closedPort,
      sslCreds: grpc.credentials.createInsecure(),
      timeout: 1000,
    });
    try {
      const started = Date.now();
      const error = await rejection(provider.get('anything'));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await provider.dispose();
    }
  });
});

describe('name mapping', () => {
  const names = [
    'plain',
    'with-dash',
    'with_underscore',
    'a.b',
    'a/b/c',
    'db/connection.string',
    'x__y',
    'a_-b',
    'a_d',
    '_',
    '-',
    '_._/_',
    'UPPER_case/Mixed.Name-1',
  ];

  it('round trips every hush name through an id GCP accepts', () => {
    for (const name of names) {
      const id = toSecretId(name, 'escape');
      expect(id).toMatch(/^[a-zA-Z0-9_-]{1,255}$/);
      expect(fromSecretId(id, 'escape')).toBe(name);
    }
    expect(new Set(names.map((n) => toSecretId(n, 'escape'))).size).toBe(names.length);
  });

  it('round trips random names and keeps prefixes', () => {
    const alphabet = 'aZ9_-.';
    for (let i = 0; i < 500; i++) {
      const segments = Array.from({ length: 1 + (i % 3) }, (_, j) =>
        Array.from(
          { length: 1 + ((i + j) % 6) },
          (_, k) => alphabet[(i * 7 + j * 3 + k * 5) % alphabet.length],
        ).join(''),
      ).filter((s) => s !== '.' && s !== '..');
      const name = segments.join('/');
      if (!name) continue;
      const id = toSecretId(name, 'escape');
      expect(fromSecretId(id, 'escape')).toBe(name);
      expect(toSecretId(`${name}/child`, 'escape').startsWith(id)).toBe(true);
    }
  });

  it('does not claim ids that no hush name maps to', () => {
    expect(fromSecretId('MY_KEY', 'escape')).toBeNull();
    expect(fromSecretId('trailing_', 'escape')).toBeNull();
    expect(fromSecretId('MY_KEY', 'plain')).toBe('MY_KEY');
  });

  it('refuses in plain mode what GCP cannot hold', () => {
    expect(toSecretId('DB_PASSWORD', 'plain')).toBe('DB_PASSWORD');
    expect(() => toSecretId('a/b', 'plain')).toThrow(InvalidSecretNameError);
    expect(() => toSecretId('a.b', 'plain')).toThrow(InvalidSecretNameError);
    expect(() => toSecretId('x'.repeat(256), 'escape')).toThrow(InvalidSecretNameError);
  });
});

describe('options', () => {
  it('refuses options of the wrong type with ConfigError naming the option', () => {
    for (const [options, path] of [
      [{ project: 42 }, 'project'],
      [{ timeout: '10s' }, 'timeout'],
      [{ port: 70000 }, 'port'],
      [{ nameMapping: 'base32' }, 'nameMapping'],
      [{ verifyChecksums: 'yes' }, 'verifyChecksums'],
    ] as const) {
      expect(() => new GcpSecretManagerProvider(options as never)).toThrow(ConfigError);
      expect(() => new GcpSecretManagerProvider(options as never)).toThrow(path);
    }
  });

  it('refuses to work without a project when none can be found', async () => {
    const provider = new GcpSecretManagerProvider(
      {
        apiEndpoint: '127.0.0.1',
        port: 1,
        sslCreds: grpc.credentials.createInsecure(),
        keyFilename: '/nonexistent/key.json',
      },
      {},
    );
    try {
      expect(await rejection(provider.get('x'))).toBeInstanceOf(ConfigError);
    } finally {
      await provider.dispose();
    }
  });
});

describe('plugin', () => {
  it('creates a provider named after the instance, the project from the environment', async () => {
    const emulator = await startEmulator();
    try {
      const provider = await plugin.create(
        {
          apiEndpoint: emulator.apiEndpoint,
          port: emulator.port,
          sslCreds: channelCredentials(emulator),
          timeout: 5000,
          clientOptions: { 'grpc.ssl_target_name_override': 'localhost' } as never,
        },
        { name: 'gcp-prod', root: process.cwd(), env: { GOOGLE_CLOUD_PROJECT: PROJECT } },
      );
      expect(plugin.kind).toBe('gcp');
      expect(provider.name).toBe('gcp-prod');
      await (provider as GcpSecretManagerProvider).set('from/plugin', 'v');
      expect((await provider.get('from/plugin'))?.provider).toBe('gcp-prod');
      expect(await (provider as GcpSecretManagerProvider).project()).toBe(PROJECT);
      await provider.dispose?.();
    } finally {
      await emulator.stop();
    }
  });
});
