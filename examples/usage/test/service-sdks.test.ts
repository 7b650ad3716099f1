import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

// Storing and reading a secret with each service's own JavaScript SDK (node-vault, the AWS SDK),
// as the Python and CLI walkthroughs of Vault and AWS Secrets Manager do, against the emulators.

function succeeded(run: { code: number | null; stderr: string }): void {
  expect(run.stderr, 'the example failed').toBe('');
  expect(run.code).toBe(0);
}

describe('service SDKs against the emulators', () => {
  it('Vault KV v2: put, then read_secret_version', async () => {
    const run = await runExample('vault-kv', { services: ['vault'] });
    succeeded(run);
    expect(run.report).toEqual({ api_key: 'sk-ant-...' });
  });

  it('Vault policies and AppRole: the application reads API keys, writes database secrets only', async () => {
    const run = await runExample('vault-policies-and-approle', { services: ['vault'] });
    succeeded(run);
    expect(run.report).toEqual({ openaiKey: 'sk-openai-...', apiKeyWrite: 403 });
  });

  it('AWS Secrets Manager: create-secret, then get_secret_value of a JSON string', async () => {
    const run = await runExample('aws-secrets-manager', { services: ['aws'] });
    succeeded(run);
    expect(run.report).toEqual({
      secret: { claude_api_key: 'sk-ant-...' },
      versionStages: ['AWSCURRENT'],
      name: 'claude/api',
    });
  });
});
