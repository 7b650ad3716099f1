import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ConfigError, optionNames } from '@hush/core';
import type { NameMapping } from './mapping.js';

export type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

export interface GcpProviderOptions {
  /** Instance name used in errors and pins. Default `gcp`. */
  name?: string;
  /** The Google Cloud project. Default `GOOGLE_CLOUD_PROJECT`, then the project of the ADC credentials. */
  project?: string;
  /** Host of the service (default `secretmanager.googleapis.com`); an emulator's `127.0.0.1`. */
  apiEndpoint?: string;
  port?: number;
  /** gRPC channel credentials, e.g. TLS to an emulator combined with a bearer token. Replaces ADC on the channel. */
  sslCreds?: ClientOptions['sslCreds'];
  /** An auth client (google-auth-library) instead of Application Default Credentials. */
  authClient?: ClientOptions['authClient'];
  /** A service account key file instead of ADC discovery. */
  keyFilename?: string;
  /** Per-call deadline in milliseconds, retries included. Default 10 000, so a dead endpoint fails fast. */
  timeout?: number;
  /**
   * Tries per call, the first included (default 3): reads are retried on UNAVAILABLE,
   * RESOURCE_EXHAUSTED and network failures, writes only on RESOURCE_EXHAUSTED (refused
   * before any work, so a retry cannot add a version twice), with full-jitter backoff.
   */
  maxAttempts?: number;
  /**
   * How hush names become secret ids. `escape` (default) maps `_` → `__`, `/` → `_-`, `.` → `_d`;
   * `plain` uses the name as the id and refuses names with `/` or `.`.
   */
  nameMapping?: NameMapping;
  /** Check the CRC32C the service returns for each payload (default true). */
  verifyChecksums?: boolean;
  /** Any other @google-cloud/secret-manager client option (e.g. `grpc.*` channel options). */
  clientOptions?: ClientOptions;
  /** Use this client instead of building one (its options then win over the ones above). */
  client?: SecretManagerServiceClient;
}

/** Every option the constructor takes: another is refused, never ignored. */
export const OPTION_NAMES = optionNames<GcpProviderOptions>()({
  name: true,
  project: true,
  apiEndpoint: true,
  port: true,
  sslCreds: true,
  authClient: true,
  keyFilename: true,
  timeout: true,
  maxAttempts: true,
  nameMapping: true,
  verifyChecksums: true,
  clientOptions: true,
  client: true,
});

/** Options often come from a configuration file: refuse wrong types at start, naming the option. */
export function checkOptions(options: GcpProviderOptions): void {
  const fail = (path: string, expected: string, got: unknown) => {
    throw new ConfigError(`expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`, { path });
  };
  for (const key of ['name', 'project', 'apiEndpoint', 'keyFilename'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      fail(key, 'a non-empty string', value);
  }
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)
  )
    fail('port', 'a port number', options.port);
  if (options.timeout !== undefined && !(typeof options.timeout === 'number' && options.timeout > 0))
    fail('timeout', 'a positive number of milliseconds', options.timeout);
  if (
    options.maxAttempts !== undefined &&
    !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)
  )
    fail('maxAttempts', 'a whole number of tries, at least 1', options.maxAttempts);
  if (options.verifyChecksums !== undefined && typeof options.verifyChecksums !== 'boolean')
    fail('verifyChecksums', 'true or false', options.verifyChecksums);
}

/** The client options the provider options name, over `clientOptions`. */
export function clientOptionsOf(options: GcpProviderOptions): ClientOptions {
  const clientOptions: ClientOptions = { ...(options.clientOptions ?? {}) };
  if (options.apiEndpoint !== undefined) clientOptions.apiEndpoint = options.apiEndpoint;
  if (options.port !== undefined) clientOptions.port = options.port;
  if (options.sslCreds !== undefined) clientOptions.sslCreds = options.sslCreds;
  if (options.authClient !== undefined) clientOptions.authClient = options.authClient;
  if (options.keyFilename !== undefined) clientOptions.keyFilename = options.keyFilename;
  // With a custom channel the credentials' universe is never used; naming it spares the client a
  // metadata-server probe (and its warning) off Google Cloud.
  if (options.sslCreds !== undefined && clientOptions.universeDomain === undefined)
    clientOptions.universeDomain = 'googleapis.com';
  return clientOptions;
}
