import type { AccessToken, TokenCredential } from '@azure/identity';
import { AccessDeniedError, ConfigError, SecretManager } from '@hush/core';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '@hush/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_PROVIDER_ALIASES, AzureKeyVaultProvider } from '../src/index.js';
import { emulatorProvider, FixedTokenCredential } from './helpers.js';

/** A credential that cannot sign in the first `failures` times, as @azure/identity reports it. */
class FlakyCredential implements TokenCredential {
  calls = 0;
  constructor(
    private failures: number,
    private readonly token: string,
  ) {}
  async getToken(): Promise<AccessToken> {
    this.calls++;
    if (this.failures-- > 0)
      throw Object.assign(new Error('ManagedIdentityCredential: no managed identity endpoint found'), {
        name: 'CredentialUnavailableError',
      });
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

describe('AzureKeyVaultProvider.initialize', () => {
  let kv: AzureKeyVaultEmulator;
  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator();
  });
  afterAll(async () => kv?.stop());

  it("signs in once for the vault's scope, sends nothing to the vault, and is idempotent", async () => {
    const credential = new FixedTokenCredential(kv.token);
    const provider = emulatorProvider(kv, { credential });
    const before = kv.requests.total;
    await provider.initialize();
    await provider.initialize();
    await Promise.all([provider.initialize(), provider.initialize()]);
    expect(credential.calls).toEqual([{ scopes: ['https://vault.azure.net/.default'], tenantId: undefined }]);
    expect(kv.requests.total).toBe(before);
  });

  it('the manager calls it once, however many operations start at once', async () => {
    const credential = new FixedTokenCredential(kv.token);
    const provider = emulatorProvider(kv, { credential });
    await provider.set('init/once', 'v');
    const calls = credential.calls.length;
    const manager = new SecretManager({ providers: [provider] });
    await Promise.all([manager.initialize(), manager.get('init/once'), manager.get('init/once')]);
    await manager.initialize();
    expect(credential.calls.length - calls).toBe(1);
    await manager.dispose();
  });

  it('a credential that cannot sign in fails initialize with AccessDeniedError; the next call tries again', async () => {
    const credential = new FlakyCredential(1, kv.token);
    const provider = emulatorProvider(kv, { credential });
    const error = await provider.initialize().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toMatch(/could not get a token for initialize/);
    await provider.initialize();
    expect(credential.calls).toBe(2);
  });

  it('asks the scope of the cloud the vault is in', async () => {
    for (const [url, scope] of [
      ['https://my-vault.vault.azure.net', 'https://vault.azure.net/.default'],
      ['https://my-vault.vault.azure.cn', 'https://vault.azure.cn/.default'],
      ['https://my-vault.vault.usgovcloudapi.net/', 'https://vault.usgovcloudapi.net/.default'],
      ['https://my-hsm.managedhsm.azure.net', 'https://managedhsm.azure.net/.default'],
      ['https://127.0.0.1:8443', 'https://vault.azure.net/.default'],
    ] as const) {
      const credential = new FixedTokenCredential('t');
      await new AzureKeyVaultProvider({ vaultUrl: url, credential }).initialize();
      expect(credential.calls.map((c) => c.scopes)).toEqual([[scope]]);
    }
  });
});

describe('names and options', () => {
  let kv: AzureKeyVaultEmulator;
  beforeAll(async () => {
    kv = await startAzureKeyVaultEmulator();
  });
  afterAll(async () => kv?.stop());

  it('a loopback vault needs no disableChallengeResourceVerification', async () => {
    const provider = new AzureKeyVaultProvider({
      vaultUrl: kv.vaultUrl,
      credential: new FixedTokenCredential(kv.token),
      clientOptions: { tlsOptions: { ca: kv.ca } },
    });
    await provider.set('loopback/check', 'v');
    expect((await provider.get('loopback/check'))?.value).toBe('v');
  });

  it('answers to azure-kv and azure-keyvault in pins and listings', async () => {
    expect(AZURE_PROVIDER_ALIASES).toEqual(['azure-kv', 'azure-keyvault']);
    const provider = emulatorProvider(kv);
    expect(provider.aliases).toBe(AZURE_PROVIDER_ALIASES);
    await provider.set('api-key-alias', 'sk');
    const manager = new SecretManager({ providers: [provider] });
    const pinned = await manager.get('api-key-alias', { required: true, provider: 'azure-kv' });
    expect(pinned.provider).toBe('azure');
    const listed = await manager.list({ pattern: 'api-key-*', provider: 'azure-keyvault' });
    expect(listed.map((s) => [s.name, s.provider])).toEqual([['api-key-alias', 'azure']]);
    await manager.dispose();
  });

  it('an unknown option is a ConfigError that names it', () => {
    expect(() => new AzureKeyVaultProvider({ vaultUrl: kv.vaultUrl, cacheTtl: 300 } as never)).toThrow(
      ConfigError,
    );
    expect(() => new AzureKeyVaultProvider({ vaultUrl: kv.vaultUrl, cacheTtl: 300 } as never)).toThrow(
      "azure provider 'azure': unknown option 'cacheTtl'",
    );
  });
});
