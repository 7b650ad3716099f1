import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/** Static keys (`{ accessKeyId, secretAccessKey, sessionToken? }`) or a credential provider function. */
export type AwsCredentialsOption = NonNullable<SecretsManagerClientConfig['credentials']>;

export interface AwsConnectionOptions {
  region?: string;
  /** Another endpoint: an emulator, LocalStack, a VPC interface endpoint. */
  endpoint?: string;
  /** Static keys or a credential provider; the SDK's default chain when absent. */
  credentials?: AwsCredentialsOption;
  /** A named profile from ~/.aws/config and ~/.aws/credentials. */
  profile?: string;
  /** Attempts per call, the first included (SDK standard retry mode). */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

/**
 * The client configuration: explicit options first, then the environment handed to the plugin
 * (so a `context.env` other than process.env is honoured), then the SDK's own default chain
 * (environment, shared files, SSO, web identity, container and instance metadata).
 */
export function clientConfig(
  options: AwsConnectionOptions,
  env: Record<string, string | undefined> = process.env,
): SecretsManagerClientConfig {
  const config: SecretsManagerClientConfig = {
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    },
  };
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  if (options.endpoint) config.endpoint = options.endpoint;
  // A plugin context's own environment may name a profile that process.env does not.
  const profile = options.profile ?? (env !== process.env ? env.AWS_PROFILE : undefined);
  if (profile) config.profile = profile;
  if (options.credentials) config.credentials = options.credentials;
  else if (env !== process.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  return config;
}
