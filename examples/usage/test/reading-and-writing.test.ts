import { AzureKeyVaultProvider } from '@hush/provider-azure';
import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

// The manager's examples run against the chain the manager example builds: Azure Key Vault
// (first), the local store, the environment. Azure holds `api-key-stripe` (tagged production and
// payment), `webhook-secret-stripe`, three versions of `database-password`, `api-key-sendgrid`
// (development) and `api-key-partner` (scope plugin); the local store another `api-key-stripe`
// `api-key-local-only` and two versions of `database-password`; the environment `CLAUDE_SECRET_DATABASE_URL`.

const env = { CLAUDE_SECRET_DATABASE_URL: 'postgresql://prod-db.internal/app' };

function succeeded(run: { code: number | null; stderr: string }): void {
  expect(run.stderr, 'the example failed').toBe('');
  expect(run.code).toBe(0);
}

describe('reading and writing through the manager', () => {
  it('get: the first provider in the chain answers', async () => {
    const run = await runExample('get-secret', { env });
    succeeded(run);
    expect(run.report.value).toBe('sk_live_abc123...');
    expect(run.report.provider).toBe('azure');
  });

  it('get with options: version 2, pinned by the name azure-kv, for the audit log as db-plugin', async () => {
    const run = await runExample('get-secret-with-options', { env });
    succeeded(run);
    expect(run.report).toMatchObject({
      value: 'db-password-2',
      name: 'database-password',
      provider: 'azure',
    });
    expect(run.report.events).toEqual([
      expect.objectContaining({
        operation: 'get',
        key: 'database-password',
        provider: 'azure',
        accessor: 'db-plugin',
        version: '2',
        success: true,
      }),
    ]);
  });

  it('set: to the local store, in scope plugin, tagged, expiring in 30 days, by admin', async () => {
    const run = await runExample('set-secret', { env });
    succeeded(run);
    expect(run.report).toMatchObject({
      value: 'ghp_abc123...',
      provider: 'local',
      scope: 'plugin',
      tags: { development: '', git: '' },
      expiresInDays: 30,
    });
    expect(run.report.events[0]).toMatchObject({ operation: 'set', provider: 'local', accessor: 'admin' });
  });

  it('rotate: a new current value in the default write provider, the old version kept valid', async () => {
    const run = await runExample('rotate-secret', { env });
    succeeded(run);
    expect(run.report).toMatchObject({
      value: 'new_secure_password',
      provider: 'local',
      versions: 3,
      previous: 'local-db-password-2',
      previousExpired: false,
    });
    expect(run.report.events[0]).toMatchObject({
      operation: 'rotate',
      provider: 'local',
      accessor: 'admin',
      success: true,
    });
  });

  it('list: by pattern, scope, tag and provider (azure-keyvault), without values', async () => {
    const run = await runExample('list-secrets', { env });
    succeeded(run);
    expect(run.report).toEqual({
      entries: [
        { name: 'api-key-stripe', provider: 'azure', tags: { production: '', payment: '' }, scope: 'global' },
      ],
      hasValue: false,
    });
  });

  it('template substitution: every reference resolved, the default used only when missing', async () => {
    const run = await runExample('template-substitution', { env });
    succeeded(run);
    expect(run.report.resolved).toEqual({
      stripe: { apiKey: 'sk_live_abc123...', webhookSecret: 'whsec_xyz789...' },
      database: { url: 'postgresql://prod-db.internal/app' },
    });
    expect(run.report.accessors).toEqual(['app-init']);

    const withoutUrl = await runExample('template-substitution');
    succeeded(withoutUrl);
    expect(withoutUrl.report.resolved.database).toEqual({ url: 'postgresql://localhost' });
  });

  it('rotation check: the daily job names each secret not updated for 90 days', async () => {
    const run = await runExample('rotation-check', {
      // Two secrets written 120 days ago (the vault's clock), one today.
      async before(kv, shiftClock) {
        const vault = new AzureKeyVaultProvider({
          vaultUrl: kv.vaultUrl,
          credential: {
            getToken: async () => ({ token: kv.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
          },
          clientOptions: { tlsOptions: { ca: kv.ca } },
        });
        shiftClock(-120 * 24 * 60 * 60 * 1000);
        await vault.set('legacy-token', 'old-1');
        await vault.set('old-api-key', 'old-2');
        shiftClock(0);
        await vault.set('fresh-key', 'new');
      },
    });
    expect(run.code).toBe(0);
    expect(run.report).toEqual({ intervals: [24 * 60 * 60 * 1000] });
    expect(run.stderr.trim().split('\n')).toEqual([
      'Secret legacy-token needs rotation',
      'Secret old-api-key needs rotation',
    ]);
  });
});
