import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
  startVaultEmulator,
  type VaultEmulator,
} from '@hush/emulators';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkStderrClean, plant, useProject } from './helpers.js';

checkStderrClean();

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/eso');
const schema = (file: string) => JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
// The CRDs carry Kubernetes' own keywords (x-kubernetes-*), which a JSON Schema validator ignores.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validateStore = ajv.compile(schema('secretstore.v1.json'));
const validateExternalSecret = ajv.compile(schema('externalsecret.v1.json'));

/** Both manifests, each valid against ESO's CRD schema. */
function manifests(text: string): [any, any] {
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  expect(docs).toHaveLength(2);
  const [store, external] = docs;
  expect(validateStore(store), JSON.stringify(validateStore.errors)).toBe(true);
  expect(validateExternalSecret(external), JSON.stringify(validateExternalSecret.errors)).toBe(true);
  return [store, external];
}

describe('the CRD schemas catch what ESO would refuse', () => {
  it('refuses a store with two providers, an ExternalSecret without a remote key', () => {
    expect(
      validateStore({
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 's' },
        spec: { provider: { aws: { service: 'SecretsManager', region: 'x' }, gcpsm: { projectID: 'p' } } },
      }),
    ).toBe(false);
    expect(
      validateExternalSecret({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'e' },
        spec: {
          secretStoreRef: { name: 's', kind: 'SecretStore' },
          data: [{ secretKey: 'A', remoteRef: {} }],
        },
      }),
    ).toBe(false);
  });
});

describe('hush export --format external-secret on Vault', () => {
  let vault: VaultEmulator;
  const value = plant('eso-vault-value-1d9');
  const { run } = useProject({
    'hush.config.yaml': [
      'environments:',
      '  prod:',
      '    providers:',
      '      - kind: local',
      '      - kind: vault',
      "        options: { address: '${env:VAULT_ADDR}', token: '${env:VAULT_TOKEN}', pathPrefix: apps/web, retries: 0 }",
      '    defaultWriteProvider: vault',
      '',
    ].join('\n'),
  });
  const withVault = (args: string[], input?: string) =>
    run(args, {
      env: {
        VAULT_ADDR: vault.url,
        VAULT_TOKEN: vault.rootToken,
        HUSH_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
      },
      ...(input !== undefined ? { input } : {}),
    });

  beforeAll(async () => {
    vault = await startVaultEmulator();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it('writes a SecretStore on the same Vault and an ExternalSecret of every name, no value inside', async () => {
    expect((await withVault(['set', 'db/password'], value)).code).toBe(0);
    expect((await withVault(['set', 'api-key'], plant('eso-vault-value-2e7'))).code).toBe(0);
    expect((await withVault(['set', 'local-only', '--provider', 'local'], plant('eso-local-3f1'))).code).toBe(
      0,
    );
    const exported = await withVault([
      'export',
      '--format',
      'external-secret',
      '--store',
      'vault-prod',
      '--refresh',
      '90m',
      '--name',
      'web',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain(value);
    expect(exported.stdout).not.toContain(vault.rootToken);
    const [store, external] = manifests(exported.stdout);
    expect(store).toMatchObject({
      kind: 'SecretStore',
      metadata: { name: 'vault-prod' },
      spec: {
        provider: {
          vault: {
            server: vault.url,
            path: 'secret',
            version: 'v2',
            auth: { tokenSecretRef: { name: 'hush-vault-token', key: 'token' } },
          },
        },
      },
    });
    expect(external.spec).toMatchObject({
      refreshInterval: '1h30m',
      secretStoreRef: { name: 'vault-prod', kind: 'SecretStore' },
      target: { name: 'web' },
    });
    expect(external.spec.data).toEqual([
      { secretKey: 'API_KEY', remoteRef: { key: 'apps/web/api-key', property: 'value' } },
      { secretKey: 'DB_PASSWORD', remoteRef: { key: 'apps/web/db/password', property: 'value' } },
    ]);
    // The remote key is where Vault keeps the value: read it there as ESO would.
    const response = await fetch(`${vault.url}/v1/secret/data/apps/web/db/password`, {
      headers: { 'x-vault-token': vault.rootToken },
    });
    expect(((await response.json()) as any).data.data.value).toBe(value);
  });

  it('--cluster makes a ClusterSecretStore; --reveal and a store flag without the format are usage errors', async () => {
    const exported = await withVault([
      'export',
      '--format',
      'external-secret',
      '--cluster',
      '--namespace',
      'web',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const [store, external] = manifests(exported.stdout);
    expect(store.kind).toBe('ClusterSecretStore');
    expect(store.metadata).toEqual({ name: 'hush-vault' });
    expect(external.metadata).toEqual({ name: 'hush-secrets', namespace: 'web' });
    expect(external.spec.secretStoreRef).toEqual({ name: 'hush-vault', kind: 'ClusterSecretStore' });
    expect(external.spec.refreshInterval).toBe('1h');
    expect((await withVault(['export', '--format', 'external-secret', '--reveal'])).code).toBe(2);
    expect((await withVault(['export', '--store', 'x'])).code).toBe(2);
    expect((await withVault(['export', '--format', 'external-secret', '--refresh', 'often'])).code).toBe(2);
    expect((await withVault(['export', '--format', 'external-secret', '--provider', 'local'])).code).toBe(1);
  });
});

describe('hush export --format external-secret on AWS Secrets Manager', () => {
  let aws: AwsSecretsManagerEmulator;
  const { run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  prod:',
        '    providers:',
        '      - kind: aws',
        "        options: { endpoint: '${env:AWS_ENDPOINT}', region: eu-west-1, prefix: web/, readTags: false, maxAttempts: 1 }",
        '',
      ].join('\n'),
    },
    { init: false },
  );
  const withAws = (args: string[], input?: string) =>
    run(args, {
      env: {
        AWS_ENDPOINT: aws.url,
        AWS_ACCESS_KEY_ID: aws.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      ...(input !== undefined ? { input } : {}),
    });

  beforeAll(async () => {
    aws = await startAwsSecretsManagerEmulator({ region: 'eu-west-1' });
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('points the store at Secrets Manager in the same region, each key the secret name AWS holds', async () => {
    const value = plant('eso-aws-value-4a2');
    expect((await withAws(['set', 'db-password'], value)).code).toBe(0);
    const exported = await withAws(['export', '--format', 'external-secret']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain(value);
    expect(exported.stdout).not.toContain(aws.secretAccessKey);
    const [store, external] = manifests(exported.stdout);
    expect(store.spec.provider).toEqual({ aws: { service: 'SecretsManager', region: 'eu-west-1' } });
    expect(external.spec.data).toEqual([{ secretKey: 'DB_PASSWORD', remoteRef: { key: 'web/db-password' } }]);
  });
});
