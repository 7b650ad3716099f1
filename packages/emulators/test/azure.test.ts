import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '../src/index.js';
import { call } from './support/azure-wire.js';

describe('Azure Key Vault emulator: wire protocol', () => {
  let kv: AzureKeyVaultEmulator;
  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator({ throttleRetryAfterSeconds: 2 });
  });
  afterAll(async () => kv?.stop());

  it('serves HTTPS with a certificate trusted through the CA it hands out', async () => {
    expect(kv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kv.ca).toContain('BEGIN CERTIFICATE');
    await expect(
      new Promise((resolve, reject) =>
        httpsRequest(kv.url, { agent: false }, resolve).on('error', reject).end(),
      ),
    ).rejects.toThrow(/self-signed|self signed/);
  });

  it('answers a request without a token with 401 and the bearer challenge', async () => {
    const answer = await call(kv, 'GET', '/secrets/anything/', { token: null });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${kv.tenantId}", resource="https://vault.azure.net"`,
    );
    expect(answer.body).toEqual({
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });
  });

  it('refuses a token it did not issue, still with the challenge', async () => {
    const forged = `${kv.issueToken().split('.').slice(0, 2).join('.')}.AAAA`;
    for (const token of ['not-a-token', forged]) {
      const answer = await call(kv, 'GET', '/secrets/anything/', { token });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('resource="https://vault.azure.net"');
    }
    expect((await call(kv, 'GET', '/secrets/anything/', { token: kv.issueToken() })).status).toBe(404);
  });

  it('requires api-version and reads it percent-encoded (api%2Dversion) or plain', async () => {
    const missing = await call(kv, 'GET', '/secrets', { query: '' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('BadParameter');
    expect((await call(kv, 'GET', '/secrets', { query: 'api-version=7.4' })).status).toBe(200);
    expect((await call(kv, 'GET', '/secrets', { query: 'api%2Dversion=7.6' })).status).toBe(200);
    expect((await call(kv, 'GET', '/secrets', { query: 'api-version=banana' })).status).toBe(400);
  });

  it('sets a new version on every PUT and gets the latest or a given version', async () => {
    const first = await call(kv, 'PUT', '/secrets/db-password', {
      body: { value: 'one', tags: { env: 'dev' } },
    });
    expect(first.status).toBe(200);
    expect(first.body.value).toBe('one');
    expect(first.body.id).toMatch(new RegExp(`^${kv.url}/secrets/db-password/[0-9a-f]{32}$`));
    expect(first.body.attributes).toMatchObject({
      enabled: true,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    });
    expect(Number.isInteger(first.body.attributes.created)).toBe(true);
    expect(first.body.tags).toEqual({ env: 'dev' });
    const second = await call(kv, 'PUT', '/secrets/db-password', { body: { value: 'two' } });
    expect(second.body.id).not.toBe(first.body.id);

    expect((await call(kv, 'GET', '/secrets/db-password/')).body.value).toBe('two');
    expect((await call(kv, 'GET', '/secrets/db-password')).body.value).toBe('two');
    const firstVersion = first.body.id.split('/').pop();
    expect((await call(kv, 'GET', `/secrets/db-password/${firstVersion}`)).body.value).toBe('one');
    const missing = await call(kv, 'GET', '/secrets/db-password/0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SecretNotFound');
  });

  it('treats names case-insensitively, as the service does', async () => {
    await call(kv, 'PUT', '/secrets/MixedCase', { body: { value: 'v' } });
    expect((await call(kv, 'GET', '/secrets/mixedcase/')).body.value).toBe('v');
  });

  it('updates properties with PATCH, leaving out what is not sent', async () => {
    const set = await call(kv, 'PUT', '/secrets/patched', {
      body: { value: 'v', tags: { a: '1' }, contentType: 'text/plain' },
    });
    const version = set.body.id.split('/').pop();
    const exp = Math.floor(Date.now() / 1000) - 60;
    const patched = await call(kv, 'PATCH', `/secrets/patched/${version}`, {
      body: { tags: { b: '2' }, attributes: { exp, nbf: exp - 100 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.value).toBeUndefined();
    expect(patched.body).toMatchObject({
      tags: { b: '2' },
      contentType: 'text/plain',
      attributes: { enabled: true, exp, nbf: exp - 100 },
    });
    // Expired and not-yet-valid secrets stay readable (documented "date-time controlled operations").
    expect((await call(kv, 'GET', '/secrets/patched/')).body.value).toBe('v');

    await call(kv, 'PATCH', `/secrets/patched/${version}`, { body: { attributes: { enabled: false } } });
    const disabled = await call(kv, 'GET', '/secrets/patched/');
    expect(disabled.status).toBe(403);
    expect(disabled.body).toEqual({
      error: {
        code: 'Forbidden',
        message: 'Operation get is not allowed on a disabled secret.',
        innererror: { code: 'SecretDisabled' },
      },
    });
    const listed = await call(kv, 'GET', '/secrets/patched/versions');
    expect(listed.body.value[0].attributes.enabled).toBe(false);
  });

  it('refuses invalid names, oversized values and too many tags with 400 BadParameter', async () => {
    const badName = await call(kv, 'PUT', '/secrets/has_underscore', { body: { value: 'v' } });
    expect(badName.status).toBe(400);
    expect(badName.body.error).toEqual({
      code: 'BadParameter',
      message: 'The request URI contains an invalid name: has_underscore',
    });
    expect((await call(kv, 'GET', `/secrets/${'a'.repeat(128)}/`)).status).toBe(400);
    expect((await call(kv, 'GET', '/secrets/%E0%A4%A/')).status).toBe(400);
    expect((await call(kv, 'PUT', `/secrets/${'a'.repeat(127)}`, { body: { value: 'v' } })).status).toBe(200);
    expect((await call(kv, 'PUT', '/secrets/big', { body: { value: 'x'.repeat(25 * 1024) } })).status).toBe(
      200,
    );
    const tooBig = await call(kv, 'PUT', '/secrets/big', { body: { value: 'x'.repeat(25 * 1024 + 1) } });
    expect(tooBig.status).toBe(400);
    expect(JSON.stringify(tooBig.body)).not.toContain('xxxx');
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'v']));
    expect((await call(kv, 'PUT', '/secrets/tagged', { body: { value: 'v', tags } })).status).toBe(400);
  });

  it('pages lists with maxresults and a nextLink carrying $skiptoken', async () => {
    for (let i = 0; i < 7; i++) await call(kv, 'PUT', `/secrets/page-${i}`, { body: { value: `v${i}` } });
    const seen: string[] = [];
    let answer = await call(kv, 'GET', '/secrets', { query: 'api%2Dversion=2025-07-01&maxresults=3' });
    let pages = 0;
    for (;;) {
      pages++;
      expect(answer.status).toBe(200);
      expect(answer.body.value.length).toBeLessThanOrEqual(3);
      for (const item of answer.body.value) {
        expect(item.value).toBeUndefined();
        expect(item.id).toMatch(new RegExp(`^${kv.url}/secrets/[^/]+$`));
        seen.push(item.id.split('/').pop());
      }
      if (!answer.body.nextLink) break;
      expect(answer.body.nextLink).toMatch(/\?api-version=2025-07-01&\$skiptoken=[\w-]+&maxresults=3$/);
      answer = await call(kv, 'GET', answer.body.nextLink.slice(kv.url.length), { query: '' });
    }
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 0; i < 7; i++) expect(seen).toContain(`page-${i}`);
    expect((await call(kv, 'GET', '/secrets', { query: 'api-version=7.4&maxresults=26' })).status).toBe(400);

    for (let i = 0; i < 4; i++) await call(kv, 'PUT', '/secrets/page-0', { body: { value: `again-${i}` } });
    const versions = await call(kv, 'GET', '/secrets/page-0/versions', {
      query: 'api-version=7.4&maxresults=2',
    });
    expect(versions.body.value).toHaveLength(2);
    expect(versions.body.value[0].id).toMatch(/\/secrets\/page-0\/[0-9a-f]{32}$/);
    expect(versions.body.nextLink).toContain('/secrets/page-0/versions?');
  });

  it('soft-deletes, refuses reuse with 409 ObjectIsDeletedButRecoverable, recovers and purges', async () => {
    await call(kv, 'PUT', '/secrets/doomed', { body: { value: 'v1' } });
    const deleted = await call(kv, 'DELETE', '/secrets/doomed');
    expect(deleted.status).toBe(200);
    expect(deleted.body.recoveryId).toBe(`${kv.url}/deletedsecrets/doomed`);
    expect(deleted.body.scheduledPurgeDate - deleted.body.deletedDate).toBe(90 * 86_400);
    expect(deleted.body.value).toBeUndefined();
    expect((await call(kv, 'GET', '/secrets/doomed/')).status).toBe(404);

    const reuse = await call(kv, 'PUT', '/secrets/doomed', { body: { value: 'v2' } });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe('Conflict');
    expect(reuse.body.error.innererror).toEqual({ code: 'ObjectIsDeletedButRecoverable' });

    const listedDeleted = await call(kv, 'GET', '/deletedsecrets');
    expect(listedDeleted.body.value.map((d: { recoveryId: string }) => d.recoveryId)).toContain(
      `${kv.url}/deletedsecrets/doomed`,
    );
    expect((await call(kv, 'GET', '/deletedsecrets/doomed')).body.recoveryId).toBeDefined();

    const recovered = await call(kv, 'POST', '/deletedsecrets/doomed/recover');
    expect(recovered.status).toBe(200);
    expect(recovered.body.value).toBeUndefined();
    expect((await call(kv, 'GET', '/secrets/doomed/')).body.value).toBe('v1');

    await call(kv, 'DELETE', '/secrets/doomed');
    const purged = await call(kv, 'DELETE', '/deletedsecrets/doomed');
    expect(purged.status).toBe(204);
    expect(purged.body).toBeUndefined();
    expect((await call(kv, 'GET', '/deletedsecrets/doomed')).status).toBe(404);
    expect((await call(kv, 'PUT', '/secrets/doomed', { body: { value: 'v3' } })).status).toBe(200);
  });

  it('backs up and restores a secret with all its versions', async () => {
    await call(kv, 'PUT', '/secrets/kept', { body: { value: 'a' } });
    await call(kv, 'PUT', '/secrets/kept', { body: { value: 'b' } });
    const backup = await call(kv, 'POST', '/secrets/kept/backup');
    expect(typeof backup.body.value).toBe('string');
    expect((await call(kv, 'POST', '/secrets/restore', { body: backup.body })).status).toBe(409);
    await call(kv, 'DELETE', '/secrets/kept');
    await call(kv, 'DELETE', '/deletedsecrets/kept');
    expect(
      (await call(kv, 'POST', '/secrets/restore', { body: { value: `${backup.body.value}x` } })).status,
    ).toBe(400);
    expect((await call(kv, 'POST', '/secrets/restore', { body: backup.body })).status).toBe(200);
    expect((await call(kv, 'GET', '/secrets/kept/versions')).body.value).toHaveLength(2);
  });

  it('answers 403 AccessDenied when a token lacks the permission', async () => {
    kv.addToken('read-only-token', ['get', 'list']);
    expect((await call(kv, 'GET', '/secrets', { token: 'read-only-token' })).status).toBe(200);
    const denied = await call(kv, 'PUT', '/secrets/x', { token: 'read-only-token', body: { value: 'v' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Forbidden');
    expect(denied.body.error.innererror).toEqual({ code: 'AccessDenied' });
    expect(denied.body.error.message).toContain('does not have secrets set permission');
  });

  it('injects 5xx errors, 429 throttling with Retry-After, and outages that drop the connection', async () => {
    kv.faults.set({ errorRate: 1 });
    const statuses = [(await call(kv, 'GET', '/secrets')).status, (await call(kv, 'GET', '/secrets')).status];
    expect(statuses.sort()).toEqual([500, 503]);
    kv.faults.set({ errorRate: 0, throttleRate: 1 });
    const throttled = await call(kv, 'GET', '/secrets');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');
    expect(throttled.body.error.code).toBe('Throttled');
    kv.faults.set({ throttleRate: 0, outage: true });
    await expect(call(kv, 'GET', '/secrets')).rejects.toThrow(/socket hang up|ECONNRESET/);
    kv.faults.clear();
    expect((await call(kv, 'GET', '/secrets')).status).toBe(200);
  });

  it('counts requests by operation', () => {
    expect(kv.requests.total).toBeGreaterThan(10);
    expect(kv.requests.operations.SetSecret).toBeGreaterThan(5);
    expect(kv.requests.challenges).toBeGreaterThan(0);
    expect(kv.requests.forbidden).toBeGreaterThan(0);
  });
});

describe('Azure Key Vault emulator: token endpoint', () => {
  let kv: AzureKeyVaultEmulator;
  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator({
      principals: [{ clientId: 'reader', clientSecret: 'reader-secret', permissions: ['get'] }],
    });
  });
  afterAll(async () => kv?.stop());

  it('publishes OpenID configuration whose issuer shares the authority host', async () => {
    const answer = await call(kv, 'GET', `/${kv.tenantId}/v2.0/.well-known/openid-configuration`, {
      token: null,
      query: '',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      issuer: `${kv.url}/${kv.tenantId}/v2.0`,
      token_endpoint: `${kv.url}/${kv.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${kv.url}/${kv.tenantId}/oauth2/v2.0/authorize`,
      jwks_uri: `${kv.url}/${kv.tenantId}/discovery/v2.0/keys`,
    });
    expect(
      (
        await call(kv, 'GET', '/other-tenant/v2.0/.well-known/openid-configuration', {
          token: null,
          query: '',
        })
      ).status,
    ).toBe(400);
  });

  it('issues tokens for client credentials that the vault then accepts, with the principal permissions', async () => {
    const form = (id: string, secret: string) =>
      new URLSearchParams({
        client_id: id,
        client_secret: secret,
        grant_type: 'client_credentials',
        scope: 'https://vault.azure.net/.default',
      }).toString();
    const path = `/${kv.tenantId}/oauth2/v2.0/token`;
    const issued = await call(kv, 'POST', path, {
      token: null,
      query: '',
      form: form(kv.clientId, kv.clientSecret),
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(
      (await call(kv, 'PUT', '/secrets/minted', { token: issued.body.access_token, body: { value: 'v' } }))
        .status,
    ).toBe(200);

    const wrong = await call(kv, 'POST', path, { token: null, query: '', form: form(kv.clientId, 'wrong') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');

    const reader = await call(kv, 'POST', path, {
      token: null,
      query: '',
      form: form('reader', 'reader-secret'),
    });
    expect((await call(kv, 'GET', '/secrets/minted/', { token: reader.body.access_token })).status).toBe(200);
    expect((await call(kv, 'DELETE', '/secrets/minted', { token: reader.body.access_token })).status).toBe(
      403,
    );

    // A token for another resource is not a Key Vault token.
    const other = await call(kv, 'POST', path, {
      token: null,
      query: '',
      form: new URLSearchParams({
        client_id: kv.clientId,
        client_secret: kv.clientSecret,
        grant_type: 'client_credentials',
        scope: 'https://storage.azure.com/.default',
      }).toString(),
    });
    const refused = await call(kv, 'GET', '/secrets', { token: other.body.access_token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('AKV10022');
    expect(kv.requests.tokensIssued).toBe(3);
  });
});

describe('Azure Key Vault emulator: slow deletes, snapshots and the CA file', () => {
  it('keeps a deletion "in progress" for operationDelayMs, as the SDK poller expects', async () => {
    let clock = Date.now();
    const kv = await startAzureKeyVaultEmulator({ operationDelayMs: 4000, now: () => clock });
    try {
      await call(kv, 'PUT', '/secrets/slow', { body: { value: 'v' } });
      await call(kv, 'DELETE', '/secrets/slow');
      expect((await call(kv, 'GET', '/deletedsecrets/slow')).status).toBe(404);
      const busy = await call(kv, 'PUT', '/secrets/slow', { body: { value: 'v' } });
      expect(busy.status).toBe(409);
      expect(busy.body.error.innererror.code).toBe('ObjectIsBeingDeleted');
      clock += 3_999;
      expect((await call(kv, 'GET', '/deletedsecrets/slow')).status).toBe(404);
      clock += 1;
      expect((await call(kv, 'GET', '/deletedsecrets/slow')).status).toBe(200);
    } finally {
      await kv.stop();
    }
  });

  it('reports a customised retention as CustomizedRecoverable+Purgeable', async () => {
    const kv = await startAzureKeyVaultEmulator({ recoverableDays: 7 });
    try {
      const set = await call(kv, 'PUT', '/secrets/short', { body: { value: 'v' } });
      expect(set.body.attributes).toMatchObject({
        recoveryLevel: 'CustomizedRecoverable+Purgeable',
        recoverableDays: 7,
      });
      const deleted = await call(kv, 'DELETE', '/secrets/short');
      expect(deleted.body.scheduledPurgeDate - deleted.body.deletedDate).toBe(7 * 86_400);
    } finally {
      await kv.stop();
    }
  });

  it('refuses a token once it has expired', async () => {
    let clock = Date.now();
    const kv = await startAzureKeyVaultEmulator({ tokenLifetimeSeconds: 6, now: () => clock });
    try {
      const token = kv.issueToken();
      expect((await call(kv, 'GET', '/secrets', { token })).status).toBe(200);
      clock += 5_000;
      expect((await call(kv, 'GET', '/secrets', { token })).status).toBe(200);
      clock += 1_000;
      const expired = await call(kv, 'GET', '/secrets', { token });
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toContain('TokenExpired');
      expect(expired.headers['www-authenticate']).toContain('Bearer authorization=');
    } finally {
      await kv.stop();
    }
  });

  it('restores its content from a snapshot file and writes its CA where asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-azure-emu-'));
    const snapshotFile = join(dir, 'vault.json');
    const first = await startAzureKeyVaultEmulator({ snapshotFile, caFile: join(dir, 'ca.pem') });
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(first.ca);
    await call(first, 'PUT', '/secrets/persisted', { body: { value: 'kept' } });
    await first.stop();
    const second = await startAzureKeyVaultEmulator({ snapshotFile });
    try {
      expect((await call(second, 'GET', '/secrets/persisted/')).body.value).toBe('kept');
    } finally {
      await second.stop();
    }
  });
});
