import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsSecretsManagerEmulator,
  type AzureKeyVaultEmulator,
  type GcpSecretManagerEmulator,
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startGcpSecretManagerEmulator,
  startVaultEmulator,
  type VaultEmulator,
} from '../../src/index.js';
import type { RunningService } from '../../src/service-types.js';
import { services } from '../../src/services.js';
import { kubectl, kubectlBinaries } from './kubectl.js';
import { failures, pythonClient, runScenarios } from './python.js';

// Clients nobody here wrote, from Debian's packages, against the emulators. Each suite runs a
// script of scenarios in the client's own language and expects every one of them to pass.

const hvac = pythonClient(['hvac'], 'python3-hvac');
describe.skipIf(!hvac.available)(`hvac (python3-hvac) against the Vault emulator ${hvac.reason}`, () => {
  let vault: VaultEmulator;
  beforeAll(async () => {
    vault = await startVaultEmulator();
  });
  afterAll(async () => vault?.stop());

  it('runs every scenario', async () => {
    const results = await runScenarios('vault_hvac.py', {
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: vault.rootToken,
    });
    expect(failures(results)).toEqual([]);
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(14);
  });
});

const boto3 = pythonClient(['boto3'], 'python3-boto3');
describe.skipIf(!boto3.available)(
  `boto3 (python3-boto3, its own SigV4) against the AWS emulator ${boto3.reason}`,
  () => {
    let aws: AwsSecretsManagerEmulator;
    beforeAll(async () => {
      aws = await startAwsSecretsManagerEmulator();
    });
    afterAll(async () => aws?.stop());

    it('runs every scenario', async () => {
      const results = await runScenarios('aws_boto3.py', {
        AWS_ENDPOINT: aws.url,
        AWS_REGION: aws.region,
        AWS_ACCESS_KEY_ID: aws.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      });
      expect(failures(results)).toEqual([]);
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(13);
    });
  },
);

const azure = pythonClient(['azure.keyvault.secrets', 'azure.core'], 'python3-azure');
describe.skipIf(!azure.available)(
  `azure-keyvault-secrets (python3-azure) against the Azure emulator ${azure.reason}`,
  () => {
    let kv: AzureKeyVaultEmulator;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hush-azure-client-'));
      kv = await startAzureKeyVaultEmulator({ caFile: join(dir, 'ca.pem') });
    });
    afterAll(async () => {
      await kv?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs every scenario over HTTPS with the bearer challenge', async () => {
      const results = await runScenarios('azure_keyvault.py', {
        AZURE_VAULT_URL: kv.vaultUrl,
        AZURE_TOKEN: kv.token,
        AZURE_CA_FILE: kv.caFile!,
      });
      expect(failures(results)).toEqual([]);
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(8);
    });
  },
);

const grpcio = pythonClient(['grpc', 'google.protobuf'], 'python3-grpcio and protobuf-compiler');
const protoc = spawnSync('protoc', ['--version']).status === 0;
if (!protoc) console.warn('skipped: protoc is not installed (apt-get install protobuf-compiler)');
describe.skipIf(!grpcio.available || !protoc)(
  `grpcio (python3-grpcio) against the GCP emulator ${grpcio.reason}`,
  () => {
    let gcp: GcpSecretManagerEmulator;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hush-gcp-client-'));
      gcp = await startGcpSecretManagerEmulator();
      writeFileSync(join(dir, 'ca.pem'), gcp.ca!);
    });
    afterAll(async () => {
      await gcp?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("runs every scenario with stubs generated from the SDK's protos", async () => {
      // The protos the emulator serves: those of @google-cloud/secret-manager and of google-gax.
      const require = createRequire(import.meta.url);
      const sdk = dirname(require.resolve('@google-cloud/secret-manager/package.json'));
      const gaxEntry = require.resolve('google-gax', { paths: [sdk] });
      const results = await runScenarios('gcp_grpcio.py', {
        GCP_SDK_PROTOS: join(sdk, 'build', 'protos'),
        GCP_GAX_PROTOS: join(gaxEntry.slice(0, gaxEntry.lastIndexOf(`${sep}build${sep}`)), 'build', 'protos'),
        GCP_CA_FILE: join(dir, 'ca.pem'),
        GCP_TOKEN: gcp.token,
        GCP_PORT: String(gcp.port),
        GCP_PROJECT: 'grpcio',
      });
      expect(failures(results)).toEqual([]);
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(10);
    });
  },
);

const kubernetes = pythonClient(['kubernetes'], 'python3-kubernetes');
describe.skipIf(!kubernetes.available)(
  `the Kubernetes Python client (python3-kubernetes) against \`hush-emulators k8s\` ${kubernetes.reason}`,
  () => {
    let k8s: RunningService;
    beforeAll(async () => {
      k8s = await services.k8s!({});
    });
    afterAll(async () => k8s?.stop());

    it('runs every scenario over HTTPS with the kubeconfig the command writes', async () => {
      const results = await runScenarios('k8s_python.py', { KUBECONFIG: k8s.describe().kubeconfig! });
      expect(failures(results)).toEqual([]);
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(9);
    });
  },
);

const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata:
  name: applied
  labels:
    app: shop
stringData:
  password: from-apply
`;

for (const { path, version } of kubectlBinaries()) {
  describe(`kubectl ${version} against \`hush-emulators k8s\``, () => {
    let k8s: RunningService;
    let kubeconfig: string;
    beforeAll(async () => {
      k8s = await services.k8s!({});
      kubeconfig = k8s.describe().kubeconfig!;
    });
    afterAll(async () => k8s?.stop());
    const run = (args: string[], input?: string) => kubectl(path, kubeconfig, args, input);

    it('creates a generic Secret (protobuf from kubectl 1.32 on, JSON before) and reads it back', async () => {
      const created = await run(['create', 'secret', 'generic', 'db', '--from-literal=password=s3cr3t']);
      expect(created.stderr).toBe('');
      expect(created.stdout).toContain('secret/db created');
      const json = await run(['get', 'secret', 'db', '-o', 'json']);
      expect(Buffer.from(JSON.parse(json.stdout).data.password, 'base64').toString()).toBe('s3cr3t');
    });

    it('lists Secrets as a table with the TYPE and DATA columns', async () => {
      const listed = await run(['get', 'secrets']);
      expect(listed.code).toBe(0);
      const [header, ...rows] = listed.stdout.trim().split('\n');
      expect(header!.split(/\s+/)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
      expect(rows.some((r) => /^db\s+Opaque\s+1\s+/.test(r))).toBe(true);
    });

    it('applies a manifest, then applies a change to it', async () => {
      const applied = await run(['apply', '-f', '-'], SECRET_YAML);
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toContain('secret/applied created');
      const changed = await run(['apply', '-f', '-'], SECRET_YAML.replace('from-apply', 'changed'));
      expect(changed.stdout).toContain('secret/applied configured');
      const json = await run(['get', 'secret', 'applied', '-o', 'json']);
      expect(Buffer.from(JSON.parse(json.stdout).data.password, 'base64').toString()).toBe('changed');
    });

    it('refuses a TLS Secret without its keys with the API server message', async () => {
      const refused = await run(['create', 'secret', 'generic', 'tls-bad', '--type=kubernetes.io/tls']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('data[tls.crt]: Required value');
    });

    it('deletes a Secret', async () => {
      expect((await run(['delete', 'secret', 'db'])).stdout).toContain('secret "db" deleted');
      const missing = await run(['get', 'secret', 'db']);
      expect(missing.stderr).toContain('secrets "db" not found');
    });
  });
}
