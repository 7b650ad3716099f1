import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../../src/index.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from Vault's API documentation and from the KV version 2 plugin's own tests.
const DOCS = 'hashicorp/vault';
const doc = (file: string, section: string): Source => ({
  repo: DOCS,
  file: `website/content/api-docs/${file}`,
  test: section,
});
const kvDoc = (section: string) => doc('secret/kv/kv-v2.mdx', section);
const plugin = (file: string, test: string): Source => ({
  repo: 'hashicorp/vault-plugin-secrets-kv',
  file,
  test,
});

interface Answer {
  status: number;
  body: any;
}

let vault: VaultEmulator;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: {
      'x-vault-token': vault.rootToken,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const write = (key: string, data: Record<string, unknown>, options?: Record<string, unknown>) =>
  call('POST', `secret/data/${key}`, { data, ...(options ? { options } : {}) });
const patch = (key: string, body: unknown) =>
  call('PATCH', `secret/data/${key}`, body, { 'content-type': 'application/merge-patch+json' });

beforeAll(async () => {
  vault = await startVaultEmulator();
});
afterAll(async () => {
  await vault.stop();
});

describe('Vault KV v2 conformance: data', () => {
  recorded(
    "a write answers the new version's metadata",
    kvDoc('Create/Update Secret: Sample Response'),
    async () => {
      const answer = await write(unique('kv'), { foo: 'bar', zip: 'zap' });
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body.data).sort()).toEqual([
        'created_time',
        'custom_metadata',
        'deletion_time',
        'destroyed',
        'version',
      ]);
      expect(answer.body.data).toMatchObject({ deletion_time: '', destroyed: false, version: 1 });
      expect(Date.parse(answer.body.data.created_time)).not.toBeNaN();
    },
  );

  recorded('a read answers data and metadata', kvDoc('Read Secret Version: Sample Response'), async () => {
    const key = unique('kv');
    await write(key, { foo: 'bar' });
    const read = await call('GET', `secret/data/${key}`);
    expect(read.status).toBe(200);
    expect(read.body.data.data).toEqual({ foo: 'bar' });
    expect(Object.keys(read.body.data.metadata).sort()).toEqual([
      'created_time',
      'custom_metadata',
      'deletion_time',
      'destroyed',
      'version',
    ]);
  });

  recorded('?version= reads an older version', kvDoc('Read Secret Version: version parameter'), async () => {
    const key = unique('kv');
    await write(key, { n: 1 });
    await write(key, { n: 2 });
    expect((await call('GET', `secret/data/${key}?version=1`)).body.data.data).toEqual({ n: 1 });
    expect((await call('GET', `secret/data/${key}`)).body.data.metadata.version).toBe(2);
  });

  recorded(
    'cas 0 on an existing key is refused',
    kvDoc(
      'Create/Update Secret: cas "If cas is set to 0, the write will only be allowed if the key doesn\'t exist"',
    ),
    async () => {
      const key = unique('kv');
      expect((await write(key, { a: 1 }, { cas: 0 })).status).toBe(200);
      const refused = await write(key, { a: 2 }, { cas: 0 });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual(['check-and-set parameter did not match the current version']);
    },
  );

  recorded(
    'cas_required on the mount refuses a patch without cas',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_CASValidation'),
    async () => {
      const own = await startVaultEmulator({ casRequired: true });
      try {
        const headers = { 'x-vault-token': own.rootToken, 'content-type': 'application/json' };
        const put = await fetch(`${own.url}/v1/secret/data/foo`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ data: { a: 1 }, options: { cas: 0 } }),
        });
        expect(put.status).toBe(200);
        const refused = await fetch(`${own.url}/v1/secret/data/foo`, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ data: { b: 2 } }),
        });
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as { errors: string[] }).errors[0]).toContain(
          'check-and-set parameter required for this call',
        );
      } finally {
        await own.stop();
      }
    },
  );

  recorded(
    'a patch of a key that does not exist is a 404',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_NotFound'),
    async () => {
      expect((await patch(unique('absent'), { data: { a: 1 } })).status).toBe(404);
    },
  );

  recorded(
    'a patch without data is refused',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_NoData'),
    async () => {
      const key = unique('kv');
      await write(key, { a: 1 });
      const refused = await patch(key, {});
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual(['no data provided']);
    },
  );

  recorded('a patch merges into a new version (JSON merge patch)', kvDoc('Patch Secret'), async () => {
    const key = unique('kv');
    await write(key, { foo: 'x', bar: { baz: 'old', keep: 'k' }, gone: 'g' });
    const patched = await patch(key, {
      options: { cas: 1 },
      data: { foo: 'a', bar: { baz: 'b' }, gone: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.version).toBe(2);
    expect((await call('GET', `secret/data/${key}`)).body.data.data).toEqual({
      foo: 'a',
      bar: { baz: 'b', keep: 'k' },
    });
  });

  recorded(
    'a patch of a soft-deleted current version is a 404',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_CurrentVersionDeleted'),
    async () => {
      const key = unique('kv');
      await write(key, { a: 1 });
      expect((await call('DELETE', `secret/data/${key}`)).status).toBe(204);
      expect((await patch(key, { data: { a: 2 } })).status).toBe(404);
    },
  );

  recorded(
    'a read of a soft-deleted version is a 404 that still carries its metadata',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_CurrentVersionDeleted (read)'),
    async () => {
      const key = unique('kv');
      await write(key, { a: 1 });
      await call('DELETE', `secret/data/${key}`);
      const read = await call('GET', `secret/data/${key}`);
      expect(read.status).toBe(404);
      expect(read.body.data.data).toBeNull();
      expect(read.body.data.metadata.deletion_time).not.toBe('');
      expect(read.body.data.metadata.destroyed).toBe(false);
    },
  );

  recorded(
    'undelete brings a version back',
    plugin('path_delete_test.go', 'TestVersionedKV_Undelete_Put'),
    async () => {
      const key = unique('kv');
      await write(key, { a: 1 });
      await call('POST', `secret/delete/${key}`, { versions: [1] });
      expect((await call('GET', `secret/data/${key}`)).status).toBe(404);
      expect((await call('POST', `secret/undelete/${key}`, { versions: [1] })).status).toBe(204);
      expect((await call('GET', `secret/data/${key}`)).body.data.data).toEqual({ a: 1 });
    },
  );

  recorded(
    'destroy removes the data for good',
    plugin('path_data_test.go', 'TestVersionedKV_Patch_CurrentVersionDestroyed (read)'),
    async () => {
      const key = unique('kv');
      await write(key, { a: 1 });
      expect((await call('POST', `secret/destroy/${key}`, { versions: [1] })).status).toBe(204);
      const read = await call('GET', `secret/data/${key}`);
      expect(read.status).toBe(404);
      expect(read.body.data.metadata.destroyed).toBe(true);
      expect((await call('POST', `secret/undelete/${key}`, { versions: [1] })).status).toBe(204);
      expect((await call('GET', `secret/data/${key}`)).status).toBe(404);
    },
  );

  recorded(
    'versions past max_versions are removed, oldest first',
    plugin('path_data_test.go', 'TestVersionedKV_Data_Put_CleanupOldVersions'),
    async () => {
      const key = unique('kv');
      expect((await call('POST', `secret/metadata/${key}`, { max_versions: 2 })).status).toBe(204);
      for (let n = 1; n <= 4; n++) await write(key, { n });
      const metadata = (await call('GET', `secret/metadata/${key}`)).body.data;
      expect(Object.keys(metadata.versions).sort()).toEqual(['3', '4']);
      expect(metadata).toMatchObject({ current_version: 4, oldest_version: 3 });
      expect((await call('GET', `secret/data/${key}?version=1`)).status).toBe(404);
    },
  );
});

describe('Vault KV v2 conformance: metadata and listing', () => {
  recorded('LIST shows keys and folders', kvDoc('List Secrets: Sample Response'), async () => {
    const folder = unique('list');
    await write(`${folder}/foo`, { a: 1 });
    await write(`${folder}/foo/bar`, { a: 1 });
    const listed = await call('GET', `secret/metadata/${folder}?list=true`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.keys).toEqual(['foo', 'foo/']);
  });

  recorded(
    'LIST of a folder with nothing in it is a 404',
    kvDoc('List Secrets: "list on a file will not return a value"'),
    async () => {
      const listed = await call('GET', `secret/metadata/${unique('empty')}?list=true`);
      expect(listed.status).toBe(404);
      expect(listed.body).toEqual({ errors: [] });
    },
  );

  recorded(
    'metadata carries every documented field',
    kvDoc('Read Secret Metadata: Sample Response'),
    async () => {
      const key = unique('meta');
      await write(key, { a: 1 });
      await write(key, { a: 2 });
      const metadata = (await call('GET', `secret/metadata/${key}`)).body.data;
      expect(Object.keys(metadata).sort()).toEqual([
        'cas_required',
        'created_time',
        'current_version',
        'custom_metadata',
        'delete_version_after',
        'max_versions',
        'oldest_version',
        'updated_time',
        'versions',
      ]);
      expect(metadata.versions['1']).toEqual({
        created_time: expect.any(String),
        deletion_time: '',
        destroyed: false,
      });
      expect(metadata.current_version).toBe(2);
    },
  );

  recorded(
    'custom_metadata with more than 64 keys is refused',
    plugin('path_metadata_test.go', 'TestVersionedKv_Metadata_Put_Too_Many_CustomMetadata_Keys'),
    async () => {
      const custom = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [String(i), 'v']));
      const refused = await call('POST', `secret/metadata/${unique('meta')}`, { custom_metadata: custom });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toContain('payload must contain at most 64 keys, provided 65');
    },
  );

  recorded(
    'bad custom_metadata keys and values are all reported',
    plugin('path_metadata_test.go', 'TestVersionedKV_Metadata_Put_Bad_CustomMetadata'),
    async () => {
      const custom = {
        ['a'.repeat(129)]: 'v',
        long_value: 'b'.repeat(513),
        empty_value: '',
        'unprint\u200bable': 'v',
        unprintable: 'un\u200bprintable',
      };
      const refused = await call('POST', `secret/metadata/${unique('meta')}`, { custom_metadata: custom });
      expect(refused.status).toBe(400);
      const message = refused.body.errors[0] as string;
      expect(message).toContain('5 errors occurred');
      expect(message).toContain('length of key "aaaa');
      expect(message).toContain('length of value for key "long_value" is 513');
      expect(message).toContain('length of value for key "empty_value" is 0');
      expect(message).toContain('key "unprint\\u200bable" (unprint\u200bable) contains unprintable');
      expect(message).toContain('value for key "unprintable" contains unprintable');
    },
  );

  recorded(
    'deleting metadata removes every version',
    plugin('path_metadata_test.go', 'TestVersionedKV_Metadata_Delete'),
    async () => {
      const key = unique('meta');
      await write(key, { a: 1 });
      await write(key, { a: 2 });
      expect((await call('DELETE', `secret/metadata/${key}`)).status).toBe(204);
      expect((await call('GET', `secret/metadata/${key}`)).status).toBe(404);
      expect((await call('GET', `secret/data/${key}?version=1`)).status).toBe(404);
    },
  );

  recorded(
    'the engine configuration reads back as documented',
    kvDoc('Read KV Engine configuration: Sample Response'),
    async () => {
      expect(
        (
          await call('POST', 'secret/config', {
            max_versions: 5,
            cas_required: false,
            delete_version_after: '3h25m19s',
          })
        ).status,
      ).toBe(204);
      const config = await call('GET', 'secret/config');
      expect(config.body.data).toEqual({
        cas_required: false,
        delete_version_after: '3h25m19s',
        max_versions: 5,
      });
      await call('POST', 'secret/config', { max_versions: 0, delete_version_after: '0s' });
    },
  );
});

describe('Vault conformance: the sys paths setup scripts and health checks use', () => {
  recorded(
    'sys/init answers initialized without a token',
    doc('system/init.mdx', 'Read Initialization Status: Sample Response'),
    async () => {
      const answer = await fetch(`${vault.url}/v1/sys/init`);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ initialized: true });
    },
  );

  recorded(
    'sys/health answers an active, unsealed node',
    doc('system/health.mdx', 'Read Health Information: Sample Response'),
    async () => {
      const health = await fetch(`${vault.url}/v1/sys/health`).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
      expect(health).toMatchObject({ initialized: true, sealed: false, standby: false });
      expect(typeof health.server_time_utc).toBe('number');
    },
  );

  recorded(
    'enabling approle with sys/auth, then listing it',
    doc('system/auth.mdx', 'Enable Auth Method / List Auth Methods'),
    async () => {
      const path = unique('approle');
      expect((await call('POST', `sys/auth/${path}`, { type: 'approle' })).status).toBe(204);
      const listed = await call('GET', 'sys/auth');
      expect(listed.body.data[`${path}/`]).toMatchObject({ type: 'approle' });
      expect(listed.body.data['token/']).toMatchObject({ type: 'token' });
      const again = await call('POST', `sys/auth/${path}`, { type: 'approle' });
      expect(again.status).toBe(400);
      expect(again.body.errors[0]).toContain(`path is already in use at ${path}/`);
    },
  );

  recorded(
    'sys/mounts lists the KV version 2 engine',
    doc('system/mounts.mdx', 'List Mounted Secrets Engines: Sample Response'),
    async () => {
      const mounts = await call('GET', 'sys/mounts');
      expect(mounts.status).toBe(200);
      expect(mounts.body.data['secret/']).toMatchObject({
        type: 'kv',
        options: { version: '2' },
        description: 'key/value secret storage',
      });
      expect(mounts.body.data['sys/']).toMatchObject({ type: 'system' });
      expect(mounts.body['secret/']).toEqual(mounts.body.data['secret/']);
    },
  );

  recorded(
    'a KV version 2 engine enabled through sys/mounts serves data',
    doc('system/mounts.mdx', 'Enable Secrets Engine'),
    async () => {
      const path = unique('kv2');
      expect(
        (await call('POST', `sys/mounts/${path}`, { type: 'kv', options: { version: '2' } })).status,
      ).toBe(204);
      expect((await call('POST', `${path}/data/x`, { data: { a: 1 } })).status).toBe(200);
      expect((await call('GET', `${path}/data/x`)).body.data.data).toEqual({ a: 1 });
      expect(
        (await call('POST', `sys/mounts/${path}`, { type: 'kv', options: { version: '2' } })).status,
      ).toBe(400);
    },
  );

  recorded(
    'a request without a token is denied',
    doc('index.mdx', 'Authentication: X-Vault-Token'),
    async () => {
      const denied = await fetch(`${vault.url}/v1/secret/data/anything`);
      expect(denied.status).toBe(403);
      expect(await denied.json()).toEqual({ errors: ['permission denied'] });
    },
  );
});
