import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../src/index.js';

interface Answer {
  status: number;
  body: any;
}

function client(emulator: VaultEmulator) {
  return async function call(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? emulator.rootToken : options.token;
    if (token) headers['X-Vault-Token'] = token;
    if (options.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${emulator.url}/v1/${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe('vault emulator: wire details', () => {
  let emulator: VaultEmulator;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    emulator = await startVaultEmulator({
      policies: {
        reader:
          'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\npath "secret/metadata/app/*" { capabilities = ["list", "read"] }',
        'one-level': { 'secret/data/team/+/config': ['read'], 'secret/data/team/*': ['deny'] },
      },
    });
    call = client(emulator);
  });
  afterAll(() => emulator.stop());

  it('refuses a missing or unknown token with 403 permission denied', async () => {
    expect(await call('GET', 'secret/data/x', { token: null })).toEqual({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect(await call('GET', 'secret/data/x', { token: 'hvs.nope' })).toEqual({
      status: 403,
      body: { errors: ['permission denied'] },
    });
  });

  it('answers a missing secret with 404 and an empty errors list', async () => {
    expect(await call('GET', 'secret/data/missing')).toEqual({ status: 404, body: { errors: [] } });
  });

  it('writes, reads and versions KV v2 data in Vault envelopes', async () => {
    const first = await call('POST', 'secret/data/app/db', { body: { data: { password: 'one' } } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      auth: null,
      data: { version: 1, destroyed: false, deletion_time: '', custom_metadata: null },
    });
    expect(typeof first.body.request_id).toBe('string');
    await call('POST', 'secret/data/app/db', { body: { data: { password: 'two' } } });
    const current = await call('GET', 'secret/data/app/db');
    expect(current.body.data).toMatchObject({ data: { password: 'two' }, metadata: { version: 2 } });
    const old = await call('GET', 'secret/data/app/db?version=1');
    expect(old.body.data.data).toEqual({ password: 'one' });
  });

  it('rejects a stale check-and-set with Vault 400 message', async () => {
    await call('POST', 'secret/data/cas', { body: { data: { v: '1' }, options: { cas: 0 } } });
    const conflict = await call('POST', 'secret/data/cas', {
      body: { data: { v: '2' }, options: { cas: 0 } },
    });
    expect(conflict).toEqual({
      status: 400,
      body: { errors: ['check-and-set parameter did not match the current version'] },
    });
    const ok = await call('POST', 'secret/data/cas', { body: { data: { v: '2' }, options: { cas: 1 } } });
    expect(ok.body.data.version).toBe(2);
  });

  it('merge-patches with application/merge-patch+json only', async () => {
    await call('POST', 'secret/data/patchme', { body: { data: { a: '1', b: '2' } } });
    const wrongType = await call('PATCH', 'secret/data/patchme', { body: { data: { a: 'x' } } });
    expect(wrongType.status).toBe(415);
    const patched = await call('PATCH', 'secret/data/patchme', {
      body: { data: { a: 'x', b: null, c: '3' } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    expect((await call('GET', 'secret/data/patchme')).body.data.data).toEqual({ a: 'x', c: '3' });
  });

  it('soft-deletes, undeletes and destroys versions; deleted versions answer 404 with metadata', async () => {
    await call('POST', 'secret/data/life', { body: { data: { v: '1' } } });
    await call('POST', 'secret/data/life', { body: { data: { v: '2' } } });
    expect((await call('DELETE', 'secret/data/life')).status).toBe(204);
    const deleted = await call('GET', 'secret/data/life');
    expect(deleted.status).toBe(404);
    expect(deleted.body.data.data).toBeNull();
    expect(deleted.body.data.metadata.deletion_time).not.toBe('');
    expect((await call('POST', 'secret/undelete/life', { body: { versions: [2] } })).status).toBe(204);
    expect((await call('GET', 'secret/data/life')).body.data.data).toEqual({ v: '2' });
    expect((await call('POST', 'secret/delete/life', { body: { versions: [1] } })).status).toBe(204);
    expect((await call('GET', 'secret/data/life?version=1')).status).toBe(404);
    expect((await call('POST', 'secret/destroy/life', { body: { versions: [2] } })).status).toBe(204);
    const destroyed = await call('GET', 'secret/data/life');
    expect(destroyed.status).toBe(404);
    expect(destroyed.body.data.metadata.destroyed).toBe(true);
    const metadata = await call('GET', 'secret/metadata/life');
    expect(metadata.body.data).toMatchObject({ current_version: 2, oldest_version: 1 });
    expect(metadata.body.data.versions['2'].destroyed).toBe(true);
    expect(metadata.body.data.versions['1'].deletion_time).not.toBe('');
    expect((await call('DELETE', 'secret/metadata/life')).status).toBe(204);
    expect((await call('GET', 'secret/metadata/life')).status).toBe(404);
  });

  it('keeps max_versions and custom_metadata from the metadata endpoint', async () => {
    expect(
      (
        await call('POST', 'secret/metadata/meta', {
          body: { max_versions: 2, custom_metadata: { owner: 'team-a' } },
        })
      ).status,
    ).toBe(204);
    for (const v of ['1', '2', '3']) await call('POST', 'secret/data/meta', { body: { data: { v } } });
    const metadata = await call('GET', 'secret/metadata/meta');
    expect(Object.keys(metadata.body.data.versions).sort()).toEqual(['2', '3']);
    expect(metadata.body.data).toMatchObject({
      oldest_version: 2,
      max_versions: 2,
      custom_metadata: { owner: 'team-a' },
    });
    expect((await call('GET', 'secret/data/meta')).body.data.metadata.custom_metadata).toEqual({
      owner: 'team-a',
    });
    const bad = await call('POST', 'secret/metadata/meta', { body: { custom_metadata: { empty: '' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toContain('custom_metadata validation failed');
  });

  it('enforces cas_required set on a key', async () => {
    await call('POST', 'secret/metadata/strict', { body: { cas_required: true } });
    expect(await call('POST', 'secret/data/strict', { body: { data: { v: '1' } } })).toEqual({
      status: 400,
      body: { errors: ['check-and-set parameter required for this call'] },
    });
  });

  it('lists folders with a trailing slash through GET ?list=true, 404 when empty', async () => {
    await call('POST', 'secret/data/tree/a', { body: { data: { v: '1' } } });
    await call('POST', 'secret/data/tree/sub/b', { body: { data: { v: '1' } } });
    await call('POST', 'secret/data/tree/sub/deeper/c', { body: { data: { v: '1' } } });
    const listed = await call('GET', 'secret/metadata/tree?list=true');
    expect(listed.status).toBe(200);
    expect(listed.body.data.keys).toEqual(['a', 'sub/']);
    expect((await call('GET', 'secret/metadata/tree/sub/?list=1')).body.data.keys).toEqual(['b', 'deeper/']);
    expect(await call('GET', 'secret/metadata/nothing-here/?list=true')).toEqual({
      status: 404,
      body: { errors: [] },
    });
  });

  it('enforces path policies with Vault 403 body, + segments and deny', async () => {
    const reader = emulator.createToken({ policies: ['reader'] });
    await call('POST', 'secret/data/app/api', { body: { data: { key: 'k' } } });
    expect((await call('GET', 'secret/data/app/api', { token: reader })).status).toBe(200);
    const denied = await call('POST', 'secret/data/app/api', { token: reader, body: { data: { key: 'x' } } });
    expect(denied).toEqual({
      status: 403,
      body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
    });
    expect((await call('GET', 'secret/data/other', { token: reader })).status).toBe(403);
    expect((await call('GET', 'secret/metadata/app/?list=true', { token: reader })).status).toBe(200);

    const oneLevel = emulator.createToken({ policies: ['one-level'] });
    await call('POST', 'secret/data/team/blue/config', { body: { data: { v: '1' } } });
    await call('POST', 'secret/data/team/blue/other', { body: { data: { v: '1' } } });
    expect((await call('GET', 'secret/data/team/blue/config', { token: oneLevel })).status).toBe(200);
    expect((await call('GET', 'secret/data/team/blue/other', { token: oneLevel })).status).toBe(403);
  });

  it('serves token lookup-self, renew-self with a max_ttl cap, revoke-self and create', async () => {
    const token = emulator.createToken({ policies: ['reader'], ttl: '1h', maxTtl: '2h' });
    const lookup = await call('GET', 'auth/token/lookup-self', { token });
    expect(lookup.body.data).toMatchObject({
      id: token,
      renewable: true,
      creation_ttl: 3600,
      type: 'service',
    });
    expect(lookup.body.data.policies).toEqual(['default', 'reader']);
    const renewed = await call('POST', 'auth/token/renew-self', { token, body: { increment: '3h' } });
    expect(renewed.body.auth.lease_duration).toBeLessThanOrEqual(7200);
    expect(renewed.body.warnings[0]).toContain('max_ttl');
    expect((await call('POST', 'auth/token/revoke-self', { token })).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);

    const created = await call('POST', 'auth/token/create', {
      body: { policies: ['reader'], ttl: '10m', renewable: false },
    });
    expect(created.body.auth).toMatchObject({
      lease_duration: 600,
      renewable: false,
      policies: ['default', 'reader'],
    });
    const refused = await call('POST', 'auth/token/renew-self', {
      token: created.body.auth.client_token,
      body: {},
    });
    expect(refused).toEqual({ status: 400, body: { errors: ['lease is not renewable'] } });
  });

  it('forgets a token once its TTL has passed', async () => {
    const token = emulator.createToken({ policies: ['reader'], ttl: 60 });
    emulator.advanceClock(61_000);
    expect((await call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('serves sys/health and sys/seal-status without a token', async () => {
    const health = await call('GET', 'sys/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ initialized: true, sealed: false, standby: false });
    const seal = await call('GET', 'sys/seal-status', { token: null });
    expect(seal.body).toMatchObject({ sealed: false, type: 'shamir' });
  });

  it('answers an unknown route as Vault does', async () => {
    const answer = await call('GET', 'nowhere/thing');
    expect(answer.status).toBe(404);
    expect(answer.body.errors[0]).toContain('no handler for route');
  });

  it('counts requests per kind of path', async () => {
    emulator.resetCounters();
    await call('GET', 'secret/data/app/db');
    await call('GET', 'secret/data/app/db');
    await call('GET', 'secret/metadata/?list=true');
    expect(emulator.counters['kv.data.read']).toBe(2);
    expect(emulator.counters['kv.list']).toBe(1);
  });

  it('writes policies through sys/policies/acl in HCL', async () => {
    const policy = 'path "secret/data/written/*" {\n  capabilities = ["create", "update", "read"]\n}';
    expect((await call('PUT', 'sys/policies/acl/written', { body: { policy } })).status).toBe(204);
    expect((await call('GET', 'sys/policies/acl/written')).body.data).toEqual({ name: 'written', policy });
    const token = emulator.createToken({ policies: ['written'] });
    expect((await call('POST', 'secret/data/written/x', { token, body: { data: { v: '1' } } })).status).toBe(
      200,
    );
  });
});

describe('vault emulator: logins', () => {
  let emulator: VaultEmulator;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    emulator = await startVaultEmulator({
      policies: { app: { 'secret/data/app/*': ['read'] } },
      approle: { web: { roleId: 'web-role', secretIds: ['web-secret'], policies: ['app'], tokenTtl: '20m' } },
      kubernetes: {
        roles: {
          api: {
            boundServiceAccountNames: ['api'],
            boundServiceAccountNamespaces: ['prod'],
            policies: ['app'],
          },
        },
        serviceAccounts: [
          { jwt: 'jwt-api-prod', name: 'api', namespace: 'prod' },
          { jwt: 'jwt-api-dev', name: 'api', namespace: 'dev' },
          { jwt: 'jwt-batch-prod', name: 'batch', namespace: 'prod' },
        ],
      },
    });
    call = client(emulator);
  });
  afterAll(() => emulator.stop());

  it('logs in with AppRole and refuses a wrong secret_id', async () => {
    const login = await call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: 'web-role', secret_id: 'web-secret' },
    });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({
      lease_duration: 1200,
      renewable: true,
      policies: ['app', 'default'],
      metadata: { role_name: 'web' },
    });
    const wrong = await call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: 'web-role', secret_id: 'nope' },
    });
    expect(wrong).toEqual({ status: 400, body: { errors: ['invalid role or secret ID'] } });
    const fresh = emulator.appRoleCredentials('web');
    expect(
      (
        await call('POST', 'auth/approle/login', {
          token: null,
          body: { role_id: fresh.roleId, secret_id: fresh.secretId },
        })
      ).status,
    ).toBe(200);
  });

  it('manages AppRole roles through the API', async () => {
    expect(
      (await call('POST', 'auth/approle/role/batch', { body: { token_policies: 'app', token_ttl: '5m' } }))
        .status,
    ).toBe(204);
    const roleId = (await call('GET', 'auth/approle/role/batch/role-id')).body.data.role_id;
    const secret = await call('POST', 'auth/approle/role/batch/secret-id', { body: {} });
    const login = await call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: roleId, secret_id: secret.body.data.secret_id },
    });
    expect(login.body.auth.lease_duration).toBe(300);
  });

  it('logs in with a Kubernetes service-account JWT bound to the role', async () => {
    const ok = await call('POST', 'auth/kubernetes/login', {
      token: null,
      body: { role: 'api', jwt: 'jwt-api-prod' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.auth.metadata).toMatchObject({
      service_account_name: 'api',
      service_account_namespace: 'prod',
    });
    expect(
      await call('POST', 'auth/kubernetes/login', { token: null, body: { role: 'api', jwt: 'jwt-api-dev' } }),
    ).toEqual({
      status: 403,
      body: { errors: ['namespace not authorized'] },
    });
    expect(
      await call('POST', 'auth/kubernetes/login', {
        token: null,
        body: { role: 'api', jwt: 'jwt-batch-prod' },
      }),
    ).toEqual({
      status: 403,
      body: { errors: ['service account name not authorized'] },
    });
    expect(
      (await call('POST', 'auth/kubernetes/login', { token: null, body: { role: 'api', jwt: 'forged' } }))
        .status,
    ).toBe(403);
    expect(
      await call('POST', 'auth/kubernetes/login', {
        token: null,
        body: { role: 'nope', jwt: 'jwt-api-prod' },
      }),
    ).toEqual({
      status: 400,
      body: { errors: ['invalid role name "nope"'] },
    });
    const minted = emulator.addServiceAccount({ name: 'api', namespace: 'prod' });
    expect(
      (await call('POST', 'auth/kubernetes/login', { token: null, body: { role: 'api', jwt: minted } }))
        .status,
    ).toBe(200);
  });
});

describe('vault emulator: faults, namespaces and snapshot', () => {
  it('injects 500, 429 and outages', async () => {
    const emulator = await startVaultEmulator();
    const call = client(emulator);
    try {
      emulator.faults.set({ errorRate: 1 });
      const failed = await call('GET', 'secret/data/x');
      expect(failed.status).toBe(500);
      expect(failed.body.errors).toHaveLength(1);
      emulator.faults.set({ errorRate: 0, throttleRate: 1 });
      expect((await call('GET', 'secret/data/x')).status).toBe(429);
      emulator.faults.set({ throttleRate: 0, outage: true });
      await expect(call('GET', 'secret/data/x')).rejects.toThrow();
      emulator.faults.clear();
      expect((await call('GET', 'secret/data/x')).status).toBe(404);
    } finally {
      await emulator.stop();
    }
  });

  it('keeps a separate KV store per X-Vault-Namespace', async () => {
    const emulator = await startVaultEmulator();
    const call = client(emulator);
    try {
      await call('POST', 'secret/data/ns-key', {
        body: { data: { v: 'a' } },
        headers: { 'X-Vault-Namespace': 'team-a' },
      });
      expect(
        (await call('GET', 'secret/data/ns-key', { headers: { 'X-Vault-Namespace': 'team-a' } })).status,
      ).toBe(200);
      expect((await call('GET', 'secret/data/ns-key')).status).toBe(404);
    } finally {
      await emulator.stop();
    }
  });

  it('restores state from its snapshot file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-vault-'));
    const snapshotFile = join(dir, 'vault.json');
    try {
      const first = await startVaultEmulator({ snapshotFile, rootToken: 'root-a', kvMount: 'kv' });
      await client(first)('POST', 'kv/data/persisted', { body: { data: { v: 'kept' } } });
      await first.stop();
      expect(JSON.parse(readFileSync(snapshotFile, 'utf8')).kv.kv.entries.persisted.currentVersion).toBe(1);
      const second = await startVaultEmulator({ snapshotFile, rootToken: 'root-a', kvMount: 'kv' });
      const read = await client(second)('GET', 'kv/data/persisted');
      expect(read.body.data.data).toEqual({ v: 'kept' });
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vault emulator: delete_version_after', () => {
  it('schedules the soft delete of new versions', async () => {
    const emulator = await startVaultEmulator();
    const call = client(emulator);
    try {
      await call('POST', 'secret/metadata/short-lived', { body: { delete_version_after: '1h' } });
      await call('POST', 'secret/data/short-lived', { body: { data: { v: '1' } } });
      const live = await call('GET', 'secret/data/short-lived');
      expect(live.status).toBe(200);
      expect(live.body.data.metadata.deletion_time).not.toBe('');
      emulator.advanceClock(3_600_001);
      expect((await call('GET', 'secret/data/short-lived')).status).toBe(404);
    } finally {
      await emulator.stop();
    }
  });
});

describe('vault emulator: the LIST verb', () => {
  function list(url: string, path: string, token: string, agent?: Agent, method = 'LIST'): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/${path}`,
        { method, headers: { 'X-Vault-Token': token }, agent },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('answers LIST as Vault does, also on a kept-alive connection', async () => {
    const emulator = await startVaultEmulator();
    const call = client(emulator);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await call('POST', 'secret/data/verb/a', { body: { data: { v: '1' } } });
      await call('POST', 'secret/data/verb/sub/b', { body: { data: { v: '1' } } });
      // A GET first, so that the LIST arrives on a connection already kept alive.
      expect((await list(emulator.url, 'secret/data/verb/a', emulator.rootToken, agent, 'GET')).status).toBe(
        200,
      );
      const listed = await list(emulator.url, 'secret/metadata/verb', emulator.rootToken, agent);
      expect(listed.status).toBe(200);
      expect(listed.body.data.keys).toEqual(['a', 'sub/']);
      expect(await list(emulator.url, 'secret/metadata/none/', emulator.rootToken, agent)).toEqual({
        status: 404,
        body: { errors: [] },
      });
      expect((await list(emulator.url, 'secret/metadata/verb', 'hvs.bad', agent)).status).toBe(403);
      expect(emulator.counters['kv.list']).toBe(3);
      emulator.faults.set({ outage: true });
      await expect(list(emulator.url, 'secret/metadata/verb', emulator.rootToken, agent)).rejects.toThrow();
    } finally {
      agent.destroy();
      await emulator.stop();
    }
  });
});

describe('vault emulator: policy matching', () => {
  it('prefers an exact rule, then the glob whose first wildcard comes later', async () => {
    const emulator = await startVaultEmulator({
      policies: {
        layered: {
          'secret/data/*': ['read'],
          'secret/data/team/+/config': ['read', 'update', 'create'],
          'secret/data/team/blue/*': ['deny'],
          'secret/data/team/blue/exact': ['read'],
          'secret/data/prefix-*': ['create', 'update'],
        },
      },
    });
    const call = client(emulator);
    try {
      const token = emulator.createToken({ policies: ['layered'] });
      for (const path of ['misc', 'team/blue/exact', 'team/green/config', 'team/blue/config', 'prefix-a']) {
        await call('POST', `secret/data/${path}`, { body: { data: { v: '1' } } });
      }
      const read = async (path: string) => (await call('GET', `secret/data/${path}`, { token })).status;
      const write = async (path: string) =>
        (await call('POST', `secret/data/${path}`, { token, body: { data: { v: '2' } } })).status;
      expect(await read('misc')).toBe(200);
      expect(await read('team/blue/exact')).toBe(200);
      expect(await read('team/blue/config')).toBe(403);
      expect(await read('team/green/config')).toBe(200);
      expect(await write('team/green/config')).toBe(200);
      expect(await write('misc')).toBe(403);
      expect(await write('prefix-a')).toBe(200);
      expect(await read('prefix-a')).toBe(403);
    } finally {
      await emulator.stop();
    }
  });

  it('revokes a token after its num_uses', async () => {
    const emulator = await startVaultEmulator({ policies: { any: { 'secret/*': ['read'] } } });
    const call = client(emulator);
    try {
      const created = await call('POST', 'auth/token/create', { body: { policies: ['any'], num_uses: 2 } });
      const token = created.body.auth.client_token as string;
      expect((await call('GET', 'secret/data/x', { token })).status).toBe(404);
      expect((await call('GET', 'secret/data/x', { token })).status).toBe(404);
      expect((await call('GET', 'secret/data/x', { token })).status).toBe(403);
    } finally {
      await emulator.stop();
    }
  });
});
