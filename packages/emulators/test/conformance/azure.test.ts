import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '../../src/index.js';
import { call as callOn } from '../support/azure-wire.js';
import { recorded, type Source, unique } from './recorded.js';

// Expected answers from the Azure SDK's recorded test sessions (the tests that recorded them name
// the behaviour) and from the Key Vault REST specification.
const SDK = 'Azure/azure-sdk-for-js';
const tests = (file: string, test: string): Source => ({
  repo: SDK,
  file: `sdk/keyvault/keyvault-secrets/test/public/${file}`,
  test,
});
const crud = (test: string) => tests('CRUD.spec.ts', test);
const backup = (test: string) => tests('recoverBackupRestore.spec.ts', test);
const list = (test: string) => tests('list.spec.ts', test);
const REST = (definition: string): Source => ({
  repo: 'Azure/azure-rest-api-specs',
  file: 'specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.4/secrets.json',
  test: definition,
});

let kv: AzureKeyVaultEmulator;
const clock = Date.UTC(2026, 4, 1);
const call = (method: string, path: string, options: Parameters<typeof callOn>[3] = {}) =>
  callOn(kv, method, path, options);
const set = (name: string, body: Record<string, unknown>) => call('PUT', `/secrets/${name}`, { body });

/** What the SDKs do with a backup: decode the base64url blob to bytes, and encode them again to restore. */
const sdkRoundTrip = (blob: string) => Buffer.from(Buffer.from(blob, 'base64url')).toString('base64url');

async function deleteAndPurge(name: string): Promise<void> {
  expect((await call('DELETE', `/secrets/${name}`)).status).toBe(200);
  expect((await call('DELETE', `/deletedsecrets/${name}`)).status).toBe(204);
}

beforeAll(async () => {
  kv = await startAzureKeyVaultEmulator({ now: () => clock });
});
afterAll(async () => {
  await kv.stop();
});

describe('Azure Key Vault conformance: create, read, update', () => {
  recorded(
    'setSecret answers a SecretBundle with the value and a versioned id',
    crud('can add a secret'),
    async () => {
      const name = unique('crud');
      const answer = await set(name, { value: 'SECRET_VALUE' });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toBe('SECRET_VALUE');
      expect(answer.body.id).toMatch(new RegExp(`^${kv.url}/secrets/${name}/[0-9a-f]{32}$`));
      expect(answer.body.attributes).toMatchObject({
        enabled: true,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      });
      expect(answer.body.attributes.created).toBe(Math.floor(clock / 1000));
    },
  );

  recorded('an empty value is a value', crud('can set a secret with Empty Value'), async () => {
    const name = unique('empty');
    expect((await set(name, { value: '' })).body.value).toBe('');
    expect((await call('GET', `/secrets/${name}`)).body.value).toBe('');
  });

  recorded(
    'a name outside ^[0-9a-zA-Z-]+$ is a BadParameter',
    REST('parameters secret-name pattern'),
    async () => {
      const answer = await set('bad_name', { value: 'v' });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BadParameter');
    },
  );

  recorded('attributes.exp is kept and read back', crud('can set a secret with attributes'), async () => {
    const name = unique('exp');
    const exp = Math.floor(Date.UTC(2027, 0, 1) / 1000);
    await set(name, { value: 'v', attributes: { exp } });
    expect((await call('GET', `/secrets/${name}`)).body.attributes.exp).toBe(exp);
  });

  recorded(
    'updating the latest version (empty version) changes only what is sent',
    crud('can update a secret'),
    async () => {
      const name = unique('update');
      await set(name, { value: 'v', tags: { a: '1' } });
      const exp = Math.floor(Date.UTC(2027, 0, 1) / 1000);
      const updated = await call('PATCH', `/secrets/${name}/`, { body: { attributes: { exp } } });
      expect(updated.status).toBe(200);
      expect(updated.body).not.toHaveProperty('value');
      expect(updated.body.tags).toEqual({ a: '1' });
      expect((await call('GET', `/secrets/${name}`)).body.attributes.exp).toBe(exp);
    },
  );

  recorded(
    'a disabled secret can be updated but not read',
    crud("can update a disabled secret / can't get a disabled secret"),
    async () => {
      const name = unique('disabled');
      await set(name, { value: 'v', attributes: { enabled: false } });
      const exp = Math.floor(Date.UTC(2027, 0, 1) / 1000);
      expect(
        (await call('PATCH', `/secrets/${name}/`, { body: { attributes: { exp } } })).body.attributes.exp,
      ).toBe(exp);
      const read = await call('GET', `/secrets/${name}`);
      expect(read.status).toBe(403);
      expect(read.body.error.message).toMatch(/not allowed on a disabled secret/);
    },
  );

  recorded('a missing secret is a 404 SecretNotFound', crud('can get a secret (Non Existing)'), async () => {
    const read = await call('GET', `/secrets/${unique('missing')}`);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('SecretNotFound');
  });

  recorded(
    'a request without a token gets the bearer challenge',
    tests('challengeBasedAuthenticationPolicy.spec.ts', 'challenge: 401 with WWW-Authenticate'),
    async () => {
      const answer = await call('GET', '/secrets', { token: null });
      expect(answer.status).toBe(401);
      expect(String(answer.headers['www-authenticate'])).toMatch(
        /^Bearer authorization="[^"]+", resource="https:\/\/vault\.azure\.net"/,
      );
    },
  );
});

describe('Azure Key Vault conformance: delete, recover, purge', () => {
  recorded(
    'delete answers a DeletedSecretBundle; the secret then reads as not found',
    crud('can delete a secret'),
    async () => {
      const name = unique('deleted');
      await set(name, { value: 'v' });
      const deleted = await call('DELETE', `/secrets/${name}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.recoveryId).toBe(`${kv.url}/deletedsecrets/${name}`);
      expect(deleted.body.scheduledPurgeDate - deleted.body.deletedDate).toBe(90 * 86_400);
      expect(deleted.body).not.toHaveProperty('value');
      expect((await call('GET', `/secrets/${name}`)).body.error.code).toBe('SecretNotFound');
    },
  );

  recorded(
    'deleting a secret that does not exist is a 404 SecretNotFound',
    crud('can delete a secret (Non Existing)'),
    async () => {
      const answer = await call('DELETE', `/secrets/${unique('never')}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('SecretNotFound');
    },
  );

  recorded('a deleted secret is readable from deletedsecrets', crud('can get a deleted secret'), async () => {
    const name = unique('get-deleted');
    await set(name, { value: 'RSA' });
    await call('DELETE', `/secrets/${name}`);
    const deleted = await call('GET', `/deletedsecrets/${name}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toMatch(new RegExp(`/secrets/${name}/`));
  });

  recorded(
    'recovering a secret that was never deleted is a 404 SecretNotFound',
    backup('can recover a deleted secret (non existing)'),
    async () => {
      const answer = await call('POST', `/deletedsecrets/${unique('not-deleted')}/recover`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('SecretNotFound');
    },
  );

  recorded('a recovered secret reads again', backup('can recover a deleted secret'), async () => {
    const name = unique('recovered');
    await set(name, { value: 'RSA' });
    await call('DELETE', `/secrets/${name}`);
    const recovered = await call('POST', `/deletedsecrets/${name}/recover`);
    expect(recovered.status).toBe(200);
    expect((await call('GET', `/secrets/${name}`)).body.value).toBe('RSA');
  });

  recorded(
    'a deleted name cannot be set again until purged',
    REST('SetSecret 409 ObjectIsDeletedButRecoverable'),
    async () => {
      const name = unique('reuse');
      await set(name, { value: 'v' });
      await call('DELETE', `/secrets/${name}`);
      const conflict = await set(name, { value: 'v2' });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.innererror.code).toBe('ObjectIsDeletedButRecoverable');
      expect((await call('DELETE', `/deletedsecrets/${name}`)).status).toBe(204);
      expect((await call('GET', `/deletedsecrets/${name}`)).status).toBe(404);
      expect((await set(name, { value: 'v3' })).status).toBe(200);
    },
  );
});

describe('Azure Key Vault conformance: backup and restore', () => {
  recorded(
    'backing up a secret that does not exist is a 404 SecretNotFound',
    backup('can backup a secret (non existing)'),
    async () => {
      const answer = await call('POST', `/secrets/${unique('no-backup')}/backup`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('SecretNotFound');
    },
  );

  recorded(
    'the backup blob is base64url and restores after the SDK round trip',
    backup('can backup a secret / can restore a secret'),
    async () => {
      const name = unique('backed-up');
      await set(name, { value: 'RSA', tags: { kept: 'yes' } });
      const blob = (await call('POST', `/secrets/${name}/backup`)).body.value as string;
      expect(blob).toMatch(/^[A-Za-z0-9_-]+$/);
      await deleteAndPurge(name);
      const restored = await call('POST', '/secrets/restore', { body: { value: sdkRoundTrip(blob) } });
      expect(restored.status).toBe(200);
      expect(restored.body.id).toMatch(new RegExp(`/secrets/${name}/`));
      const read = await call('GET', `/secrets/${name}`);
      expect(read.body.value).toBe('RSA');
      expect(read.body.tags).toEqual({ kept: 'yes' });
    },
  );

  recorded(
    "malformed backup bytes get the service's message",
    backup('can restore a secret (Malformed Backup Bytes)'),
    async () => {
      const answer = await call('POST', '/secrets/restore', {
        body: { value: Buffer.alloc(4728).toString('base64url') },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: 'BadParameter',
        message: 'Backup blob contains invalid or corrupt version.',
      });
    },
  );

  recorded('restoring over a secret that exists is a Conflict', REST('RestoreSecret 409'), async () => {
    const name = unique('restore-over');
    await set(name, { value: 'v' });
    const blob = (await call('POST', `/secrets/${name}/backup`)).body.value as string;
    expect((await call('POST', '/secrets/restore', { body: { value: blob } })).status).toBe(409);
  });
});

describe('Azure Key Vault conformance: lists', () => {
  const prefix = unique('listed');
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) await set(`${prefix}-${i}`, { value: `v${i}` });
  });

  recorded('secrets come by page: maxresults and nextLink', list('can get secrets by page'), async () => {
    const seen: string[] = [];
    let path: string | undefined = '/secrets';
    let query: string | undefined = 'api%2Dversion=2025-07-01&maxresults=2';
    while (path) {
      const page: Awaited<ReturnType<typeof call>> = await call('GET', path, { query });
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      for (const item of page.body.value) {
        expect(item).not.toHaveProperty('value');
        seen.push(item.id.split('/').at(-1));
      }
      if (!page.body.nextLink) break;
      const next: URL = new URL(page.body.nextLink);
      path = next.pathname;
      query = next.search.slice(1);
    }
    for (let i = 0; i < 4; i++) expect(seen).toContain(`${prefix}-${i}`);
    expect(new Set(seen).size).toBe(seen.length);
  });

  recorded('maxresults above 25 is a BadParameter', REST('maxresults: maximum 25'), async () => {
    const answer = await call('GET', '/secrets', { query: 'api%2Dversion=2025-07-01&maxresults=26' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BadParameter');
  });

  recorded(
    'every version of a secret is listed, each with its id',
    list('can list secret versions'),
    async () => {
      const name = unique('versions');
      const first = await set(name, { value: 'a' });
      const second = await set(name, { value: 'b' });
      const versions = await call('GET', `/secrets/${name}/versions`);
      expect(versions.body.value.map((v: { id: string }) => v.id).sort()).toEqual(
        [first.body.id, second.body.id].sort(),
      );
    },
  );

  recorded(
    'deleted secrets are listed with their recovery data',
    list('can list deleted secrets'),
    async () => {
      const name = unique('list-deleted');
      await set(name, { value: 'v' });
      await call('DELETE', `/secrets/${name}`);
      const deleted = await call('GET', '/deletedsecrets', {
        query: 'api%2Dversion=2025-07-01&maxresults=25',
      });
      const all = [deleted.body.value];
      let next = deleted.body.nextLink as string | null;
      while (next) {
        const url = new URL(next);
        const page = await call('GET', url.pathname, { query: url.search.slice(1) });
        all.push(page.body.value);
        next = page.body.nextLink;
      }
      const entry = all
        .flat()
        .find((s: { recoveryId: string }) => s.recoveryId.endsWith(`/deletedsecrets/${name}`));
      expect(entry).toMatchObject({
        deletedDate: expect.any(Number),
        scheduledPurgeDate: expect.any(Number),
      });
    },
  );
});
