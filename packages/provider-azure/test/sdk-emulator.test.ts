import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedTokenCredential } from './helpers.js';

describe('the real @azure/keyvault-secrets SDK against the Key Vault emulator', () => {
  let emulator: AzureKeyVaultEmulator;
  let credential: FixedTokenCredential;
  let client: SecretClient;

  beforeAll(async () => {
    emulator = await startAzureKeyVaultEmulator();
    credential = new FixedTokenCredential(emulator.token);
    client = new SecretClient(emulator.vaultUrl, credential, {
      tlsOptions: { ca: emulator.ca },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
  });
  afterAll(async () => emulator?.stop());

  it('answers the first, token-less request with the bearer challenge, then serves the retry', async () => {
    const before = emulator.requests.challenges;
    const set = await client.setSecret('first', 'v1');
    expect(set.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(emulator.requests.challenges).toBe(before + 1);
    expect(credential.calls[0]).toEqual({
      scopes: ['https://vault.azure.net/.default'],
      tenantId: emulator.tenantId,
    });
    const got = await client.getSecret('first');
    expect(got.value).toBe('v1');
    // The challenge is answered once per client.
    expect(emulator.requests.challenges).toBe(before + 1);
  });

  it('soft-deletes, refuses reuse with ObjectIsDeletedButRecoverable, recovers, purges', async () => {
    await client.setSecret('reusable', 'value-1');
    const poller = await client.beginDeleteSecret('reusable', { intervalInMs: 10 });
    const deleted = await poller.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emulator.vaultUrl}/deletedsecrets/reusable`);
    expect(deleted.scheduledPurgeDate).toBeInstanceOf(Date);
    await expect(client.setSecret('reusable', 'value-2')).rejects.toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      details: { error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } } },
    });
    const recover = await client.beginRecoverDeletedSecret('reusable', { intervalInMs: 10 });
    await recover.pollUntilDone();
    expect((await client.getSecret('reusable')).value).toBe('value-1');

    await (await client.beginDeleteSecret('reusable', { intervalInMs: 10 })).pollUntilDone();
    await client.purgeDeletedSecret('reusable');
    await expect(client.getDeletedSecret('reusable')).rejects.toMatchObject({ statusCode: 404 });
    await client.setSecret('reusable', 'value-3');
    expect((await client.getSecret('reusable')).value).toBe('value-3');
  });

  it('pages with nextLink', async () => {
    for (let i = 0; i < 30; i++) await client.setSecret(`paged-${String(i).padStart(2, '0')}`, `v${i}`);
    const pages: number[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 7 }))
      pages.push(page.length);
    const names: string[] = [];
    for await (const properties of client.listPropertiesOfSecrets()) names.push(properties.name);
    expect(names.filter((n) => n.startsWith('paged-'))).toHaveLength(30);
    expect(pages.every((n) => n <= 7)).toBe(true);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(names.length);
  });

  it('works with ClientSecretCredential against the local token endpoint', async () => {
    const identity = new ClientSecretCredential(emulator.tenantId, emulator.clientId, emulator.clientSecret, {
      authorityHost: emulator.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emulator.ca },
    });
    const viaIdentity = new SecretClient(emulator.vaultUrl, identity, {
      tlsOptions: { ca: emulator.ca },
      disableChallengeResourceVerification: true,
    });
    const issued = emulator.requests.tokensIssued;
    await viaIdentity.setSecret('via-identity', 'x');
    expect((await viaIdentity.getSecret('via-identity')).value).toBe('x');
    expect(emulator.requests.tokensIssued).toBeGreaterThan(issued);
  });
});
