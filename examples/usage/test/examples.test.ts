import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

// Each usage example runs in a process of its own, as a user pastes it: only the import line
// names hush's packages, and the placeholder values are filled in (`'...'`, the vault's address,
// `providers: [...]`). The harness gives each the names it uses from the examples before it
// (`manager`, `accessControl`, `db`) and stubs for the application's own functions.

const VAULT = ["'https://my-vault.vault.azure.net'", "'$VAULT_URL'"] as [string, string];
const env = {
  CLAUDE_SECRET_API_KEY_STRIPE: 'sk_live_abc123',
  CLAUDE_SECRET_DATABASE_URL: 'postgresql://prod-db.internal/app',
  REDIS_URL: 'redis://unprefixed',
};

function succeeded(run: { code: number | null; stderr: string }): void {
  expect(run.stderr, 'the example failed').toBe('');
  expect(run.code).toBe(0);
}

describe('providers and the manager', () => {
  it('quick start: stores and reads a secret, and prints its value and version', async () => {
    const run = await runExample('quick-start');
    succeeded(run);
    expect(run.printed).toEqual(['sk_live_abc123...', '1']);
    expect(run.report).toEqual({
      value: 'sk_live_abc123...',
      version: '1',
      tags: { production: '', payment: '' },
      scope: 'global',
      expiresInDays: 90,
      fileMode: 0o600,
    });
  });

  it('local provider: an encrypted store the owner alone can read', async () => {
    const run = await runExample('local-provider');
    succeeded(run);
    expect(run.report).toEqual({ fileMode: 0o600, plaintextInFile: false, reread: 'written-by-the-example' });
  });

  it('environment provider: prefixed variables only, read-only', async () => {
    const run = await runExample('env-provider', { env });
    succeeded(run);
    expect(run.report).toEqual({
      value: 'sk_live_abc123',
      prefixed: 'postgresql://prod-db.internal/app',
      unprefixed: null,
      writable: false,
    });
  });

  it('Azure Key Vault provider: initialize() signs in with the default credential', async () => {
    const run = await runExample('azure-provider', { placeholders: [VAULT] });
    succeeded(run);
    expect(run.report).toEqual({ reread: 'in-the-vault', name: 'azure' });
  });

  it('secret manager: three providers in priority order, writes to local, audit log on', async () => {
    const run = await runExample('secret-manager', {
      placeholders: [
        ["vaultUrl: '...'", "vaultUrl: '$VAULT_URL'"],
        ["storePath: '...'", "storePath: '.hush/secrets.enc.json'"],
        ["prefix: '...'", "prefix: 'CLAUDE_SECRET_'"],
      ],
    });
    succeeded(run);
    expect(run.report).toEqual({
      providers: [
        ['azure', 'healthy'],
        ['local', 'healthy'],
        ['env', 'healthy'],
      ],
      status: 'healthy',
      defaultWriteProvider: 'local',
      auditRows: [{ operation: 'set', secret_name: 'probe', accessor: 'example', provider: 'local' }],
    });
  });
});
