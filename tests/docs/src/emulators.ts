import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startGcpSecretManagerEmulator,
  startKubernetesEmulator,
  startVaultEmulator,
} from '@hush/emulators';

export interface RunningEmulator {
  /** The variables that point the service's SDK (and hush's provider) at the emulator. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts one `@hush/emulators` server and says how a user's process reaches it. */
export async function startEmulator(service: string, folder: string): Promise<RunningEmulator> {
  switch (service) {
    case 'vault': {
      const vault = await startVaultEmulator();
      return { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken }, stop: () => vault.stop() };
    }
    case 'aws': {
      const aws = await startAwsSecretsManagerEmulator();
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
