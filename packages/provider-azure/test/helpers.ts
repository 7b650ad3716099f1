import type { AccessToken, TokenCredential } from '@azure/identity';
import type { AzureKeyVaultEmulator } from '@hush/emulators';
import { AzureKeyVaultProvider, type AzureKeyVaultProviderOptions } from '../src/index.js';

/** A credential that hands out one fixed token and records what it was asked for. */
export class FixedTokenCredential implements TokenCredential {
  readonly calls: Array<{ scopes: string[]; tenantId?: string }> = [];
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[], options?: { tenantId?: string }): Promise<AccessToken> {
    this.calls.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** A provider pointed at the emulator: its CA trusted, the host check relaxed, quick retries. */
export function emulatorProvider(
  emulator: AzureKeyVaultEmulator,
  options: AzureKeyVaultProviderOptions = {},
): AzureKeyVaultProvider {
  return new AzureKeyVaultProvider({
    vaultUrl: emulator.vaultUrl,
    credential: new FixedTokenCredential(emulator.token),
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
    pollIntervalMs: 10,
    ...options,
    clientOptions: {
      tlsOptions: { ca: emulator.ca },
      disableChallengeResourceVerification: true,
      ...(options.clientOptions ?? {}),
    },
  });
}
