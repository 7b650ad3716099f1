import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startGcpSecretManagerEmulator,
  startKubernetesEmulator,
  startVaultEmulator,
} from '@hush/emulators';
import type { EmulatorRequest } from './extract.js';

export interface RunningEmulator {
  /** The variables that point the service's SDK (and hush's provider) at the emulator. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts one `@hush/emulators` server and says how a user's process reaches it. */
export async function startEmulator(request: EmulatorRequest, folder: string): Promise<RunningEmulator> {
  const { service, options } = request;
  const known = service === 'aws' ? ['region'] : [];
  for (const name of Object.keys(options))
    if (!known.includes(name)) throw new Error(`emulator ${service} takes no option '${name}'`);
  switch (service) {
    case 'vault': {
      // Besides the root token, an AppRole login (`VAULT_ROLE_ID`/`VAULT_SECRET_ID`) that may use the KV mount.
      const vault = await startVaultEmulator({
        policies: { app: { 'secret/*': ['create', 'read', 'update', 'delete', 'list'] } },
        approle: { app: { roleId: 'docs-app-role', secretIds: ['docs-app-secret'], policies: ['app'] } },
      });
      return {
        env: {
          VAULT_ADDR: vault.url,
          VAULT_TOKEN: vault.rootToken,
          VAULT_ROLE_ID: 'docs-app-role',
          VAULT_SECRET_ID: 'docs-app-secret',
        },
        stop: () => vault.stop(),
      };
    }
    case 'aws': {
      const aws = await startAwsSecretsManagerEmulator(options.region ? { region: options.region } : {});
      return {
        env: {
          AWS_ENDPOINT_URL: aws.url,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
          AWS_REGION: aws.region,
          AWS_ACCESS_KEY_ID: aws.accessKeyId,
          AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stop: () => aws.stop(),
      };
    }
    case 'azure': {
      const azure = await startAzureKeyVaultEmulator();
      const caFile = join(folder, 'azure-emulator-ca.pem');
      writeFileSync(caFile, azure.ca);
      return {
        env: {
          AZURE_VAULT_URL: azure.vaultUrl,
          AZURE_TENANT_ID: azure.tenantId,
          AZURE_CLIENT_ID: azure.clientId,
          AZURE_CLIENT_SECRET: azure.clientSecret,
          AZURE_AUTHORITY_HOST: azure.authorityHost,
          NODE_EXTRA_CA_CERTS: caFile,
        },
        stop: () => azure.stop(),
      };
    }
    case 'gcp': {
      const gcp = await startGcpSecretManagerEmulator({ projects: ['my-project', 'demo'] });
      const caFile = join(folder, 'gcp-emulator-ca.pem');
      writeFileSync(caFile, gcp.ca ?? '');
      return {
        env: {
          GOOGLE_CLOUD_PROJECT: 'my-project',
          HUSH_DOCS_GCP_ENDPOINT: gcp.apiEndpoint,
          HUSH_DOCS_GCP_PORT: String(gcp.port),
          HUSH_DOCS_GCP_TOKEN: gcp.token,
          HUSH_DOCS_GCP_CA: caFile,
        },
        stop: () => gcp.stop(),
      };
    }
    case 'k8s': {
      const k8s = await startKubernetesEmulator();
      const kubeconfig = join(folder, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, k8s.kubeconfigYaml(), { mode: 0o600 });
      return { env: { KUBECONFIG: kubeconfig }, stop: () => k8s.stop() };
    }
    default:
      throw new Error(`no emulator for '${service}' (vault, aws, azure, gcp, k8s)`);
  }
}
