import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AwsSecretsManagerEmulator,
  type AzureKeyVaultEmulator,
  type KubernetesEmulator,
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startKubernetesEmulator,
  startVaultEmulator,
  type VaultEmulator,
} from '@hush/emulators';
import { AzureKeyVaultProvider } from '@hush/provider-azure';
import { GcpSecretManagerProvider } from '@hush/provider-gcp';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { externalSecretManifests } from '../src/external-secret.js';
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
  return validated(docs);
}

function validated([store, external]: any[]): [any, any] {
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

describe('hush export --format external-secret on Kubernetes Secrets', () => {
  let k8s: KubernetesEmulator;
  const { dir, run } = useProject(
    {
      'hush.config.yaml': [
        'environments:',
        '  prod:',
        '    providers:',
        '      - kind: k8s',
        '        options: { namespace: shop }',
        '',
      ].join('\n'),
    },
    { init: false },
  );
  const withK8s = (args: string[], input?: string) =>
    run(args, { env: { KUBECONFIG: `${dir}/kubeconfig.yaml` }, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    k8s = await startKubernetesEmulator({ https: true, namespaces: ['default', 'shop'] });
    writeFileSync(`${dir}/kubeconfig.yaml`, k8s.kubeconfigYaml(), { mode: 0o600 });
  });
  afterAll(async () => {
    await k8s?.stop();
  });

  it('points a kubernetes store at the same API server and namespace; each remoteRef is the Secret and key that hold the name', async () => {
    const value = plant('eso-k8s-value-7c3');
    expect((await withK8s(['set', 'db/password'], value)).code).toBe(0);
    expect((await withK8s(['set', 'api-key'], plant('eso-k8s-value-8d4'))).code).toBe(0);
    const exported = await withK8s(['export', '--format', 'external-secret', '--store', 'k8s-shop']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain(value);
    expect(exported.stdout).not.toContain(k8s.token);
    const [store, external] = manifests(exported.stdout);
    const cluster = k8s.kubeConfigOptions().clusters[0]!;
    expect(store.spec.provider).toEqual({
      kubernetes: {
        remoteNamespace: 'shop',
        server: { url: cluster.server, caBundle: cluster.caData },
        auth: { serviceAccount: { name: 'hush-eso' } },
      },
    });
    expect(external.spec.data).toEqual([
      { secretKey: 'API_KEY', remoteRef: { key: 'api-key', property: 'value' } },
      { secretKey: 'DB_PASSWORD', remoteRef: { key: 'db', property: 'password' } },
    ]);
    // The remote key and property are where the cluster keeps the value: read them there as ESO would.
    const stored = k8s.getSecret('shop', 'db') as { data: Record<string, string> };
    expect(Buffer.from(stored.data.password!, 'base64').toString('utf8')).toBe(value);
    // A ClusterSecretStore of the same backend is valid too (the service account is referent).
    const cluster2 = await withK8s(['export', '--format', 'external-secret', '--cluster']);
    expect(cluster2.code, cluster2.stderr).toBe(0);
    expect(manifests(cluster2.stdout)[0].kind).toBe('ClusterSecretStore');
  });
});

describe('External Secrets manifests of the Azure Key Vault and GCP Secret Manager providers', () => {
  let azure: AzureKeyVaultEmulator;
  beforeAll(async () => {
    azure = await startAzureKeyVaultEmulator();
  });
  afterAll(async () => {
    await azure?.stop();
  });

  it('Azure: an azurekv store on the same vault (workload identity), each key the name Key Vault holds', async () => {
    const provider = new AzureKeyVaultProvider({
      vaultUrl: azure.vaultUrl,
      credential: {
        getToken: async () => ({ token: azure.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
      clientOptions: { tlsOptions: { ca: azure.ca }, disableChallengeResourceVerification: true },
      maxRetries: 0,
    });
    const value = plant('eso-azure-value-5e1');
    await provider.set('db/password', value);
    const names = (await provider.list()).map((info) => info.key);
    const [store, external] = validated(
      externalSecretManifests(await provider.externalSecrets(), names, {
        store: 'azure',
        cluster: false,
        name: 'web',
        refreshInterval: '1h',
      }),
    );
    expect(JSON.stringify([store, external])).not.toContain(value);
    expect(store.spec.provider).toEqual({
      azurekv: { vaultUrl: azure.vaultUrl, authType: 'WorkloadIdentity' },
    });
    const [entry] = external.spec.data;
    expect(entry.secretKey).toBe('DB_PASSWORD');
    // The remote key is the Key Vault name the value is under: read it there as ESO would.
    const stored = await new Promise<string>((resolve, reject) => {
      const request = httpsGet(
        `${azure.vaultUrl}/secrets/${entry.remoteRef.key}?api-version=2025-07-01`,
        { ca: azure.ca, headers: { authorization: `Bearer ${azure.token}` } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString('utf8');
          });
          response.on('end', () => resolve(body));
        },
      );
      request.on('error', reject);
    });
    expect((JSON.parse(stored) as { value: string }).value).toBe(value);
  });

  it('GCP: a gcpsm store on the same project, each key the secret id', async () => {
    const provider = new GcpSecretManagerProvider({
      project: 'shop-prod',
      apiEndpoint: '127.0.0.1',
      port: 1,
    });
    try {
      const [store, external] = validated(
        externalSecretManifests(await provider.externalSecrets(), ['db/password', 'api-key'], {
          store: 'gcp',
          cluster: true,
          name: 'web',
          refreshInterval: '30m',
        }),
      );
      expect(store).toMatchObject({
        kind: 'ClusterSecretStore',
        spec: { provider: { gcpsm: { projectID: 'shop-prod' } } },
      });
      expect(external.spec.data.map((d: { remoteRef: unknown }) => d.remoteRef)).toEqual([
        { key: 'db_-password' },
        { key: 'api-key' },
      ]);
    } finally {
      await provider.dispose();
    }
  });
});
