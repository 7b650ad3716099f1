import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AzureKeyVaultEmulator,
  startAwsSecretsManagerEmulator,
  startAzureKeyVaultEmulator,
  startVaultEmulator,
} from '@hush/emulators';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const harness = join(root, 'harness');

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the harness reported after the example ran (undefined when it failed). */
  report: any;
  /** The example's own output: stdout without the report line. */
  printed: string[];
  folder: string;
}

export interface ExampleOptions {
  /** `[text, replacement]`: the placeholder values filled in, in order of appearance. */
  placeholders?: Array<[string, string]>;
  env?: Record<string, string>;
  /** Also a Vault (`VAULT_ADDR`, `VAULT_TOKEN`) or AWS Secrets Manager (the SDK's variables). */
  services?: Array<'vault' | 'aws'>;
  /** Called before the example runs, with the emulator and a way to move its clock. */
  before?: (kv: AzureKeyVaultEmulator, shiftClock: (ms: number) => void) => Promise<void>;
}

/**
 * Runs one example in a process of its own, in a fresh folder, with an Azure Key Vault emulator
 * that the default credential reaches as a managed identity (as on App Service) over TLS.
 */
export async function runExample(name: string, options: ExampleOptions = {}): Promise<ExampleRun> {
  const folder = mkdtempSync(join(tmpdir(), `hush-example-${name}-`));
  // An application's folder: hush's packages are installed in it.
  symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir');
  let offset = 0;
  const kv = await startAzureKeyVaultEmulator({ now: () => Date.now() + offset });
  const vault = options.services?.includes('vault') ? await startVaultEmulator() : undefined;
  const aws = options.services?.includes('aws') ? await startAwsSecretsManagerEmulator() : undefined;
  try {
    const ca = join(folder, 'emulator-ca.pem');
    writeFileSync(ca, kv.ca);
    await options.before?.(kv, (ms) => {
      offset = ms;
    });
    offset = 0;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: folder,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: ca,
      IDENTITY_ENDPOINT: kv.identityEndpoint,
      IDENTITY_HEADER: kv.identityHeader,
      HUSH_MASTER_KEY: randomBytes(32).toString('base64'),
      CLAUDE_SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
      HUSH_EXAMPLE_VAULT_URL: kv.vaultUrl,
      HUSH_EXAMPLE_PLACEHOLDERS: JSON.stringify(
        (options.placeholders ?? []).map(([from, to]) => [from, to.replaceAll('$VAULT_URL', kv.vaultUrl)]),
      ),
      ...(vault ? { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken } : {}),
      ...(aws
        ? {
            AWS_REGION: aws.region,
            AWS_ACCESS_KEY_ID: aws.accessKeyId,
            AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
            AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
          }
        : {}),
      ...options.env,
    };
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', join(harness, 'register.mjs'), join(harness, 'run.mjs'), name],
        { cwd: folder, env, timeout: 90_000, encoding: 'utf8' },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    const lines = result.stdout.split('\n');
    const reportLine = lines.find((line) => line.startsWith('REPORT '));
    return {
      ...result,
      report: reportLine ? JSON.parse(reportLine.slice('REPORT '.length)) : undefined,
      printed: lines.filter((line) => line !== '' && !line.startsWith('REPORT ')),
      folder,
    };
  } finally {
    await Promise.all([kv.stop(), vault?.stop(), aws?.stop()]);
  }
}
