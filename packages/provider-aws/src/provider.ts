import {
  ListSecretsCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import {
  AccessDeniedError,
  type Duration,
  type ExternalSecretsBackend,
  type HushError,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  ProviderError,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  parseDuration,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  SecretNotFoundError,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  validateSecretName,
} from '@hush/core';
import { type AwsConnectionOptions, clientConfig } from './auth.js';
import { listSecrets } from './listing.js';
import { toAwsName, toHushError } from './mapping.js';
import { MetadataCache } from './metadata.js';
import { ResourcePolicies } from './policies.js';
import { type AwsBatchResult, batchGetSecrets, getSecret } from './reads.js';
import type { AwsSession } from './session.js';
import { type Counters, countAttempts, createSend, newCounters } from './transport.js';
import { listSecretVersions, moveCurrentTo } from './versions.js';
import { type AwsDeleteOptions, checkValueSize, deleteSecret, restoreSecret, writeSecret } from './writes.js';

export type { AwsBatchResult } from './reads.js';
export type { AwsDeleteOptions } from './writes.js';

export interface AwsSecretsManagerProviderOptions extends AwsConnectionOptions {
  /** Instance name used in configuration, pins and errors (default `aws`). */
  name?: string;
  /** Prepended to every hush name to form the AWS name (e.g. `myapp/prod/`); list only sees names under it. */
  prefix?: string;
  /** Days a deleted secret stays recoverable with `restore` (7 to 30, default 30). */
  recoveryWindowDays?: number;
  /** KMS key for secrets this provider creates (default: the account's `aws/secretsmanager` key). */
  kmsKeyId?: string;
  /**
   * Where a plain `get` takes tags, metadata, scope and expiry from (GetSecretValue has none):
   * - `'cached'` (default): what this provider last saw of the secret (its own writes, lists,
   *   DescribeSecret) within `metadataTtl`; a read is always one request, and a secret this
   *   provider has not seen yet comes back without tags;
   * - `true`: the same, plus a DescribeSecret (a second request) when nothing is known;
   * - `false`: never; secrets carry no tags or expiry.
   */
  readTags?: boolean | 'cached';
  /** How long what is known of a secret's tags is trusted (default 1h; longer than the manager's cache). */
  metadataTtl?: Duration;
  /** Extra SDK client settings, applied last (e.g. `systemClockOffset`, `logger`). */
  clientConfig?: Partial<SecretsManagerClientConfig>;
  /** A ready client; connection options are then ignored. */
  client?: SecretsManagerClient;
}

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<AwsSecretsManagerProviderOptions>()({
  region: true,
  endpoint: true,
  credentials: true,
  profile: true,
  maxAttempts: true,
  requestTimeoutMs: true,
  connectionTimeoutMs: true,
  name: true,
  prefix: true,
  recoveryWindowDays: true,
  kmsKeyId: true,
  readTags: true,
  metadataTtl: true,
  clientConfig: true,
  client: true,
});

/** AWS Secrets Manager through the AWS SDK v3. */
export class AwsSecretsManagerProvider implements SecretProvider {
  readonly kind = 'aws';
  readonly name: string;
  readonly capabilities: ProviderCapabilities = Object.freeze({
    write: true,
    delete: true,
    list: true,
    versions: true,
    tags: true,
    expiry: true,
    batchGet: true,
  });
  readonly client: SecretsManagerClient;
  readonly #session: AwsSession;
  readonly #ownsClient: boolean;
  readonly #counters: Counters = newCounters();

  constructor(
    options: AwsSecretsManagerProviderOptions = {},
    env: Record<string, string | undefined> = process.env,
  ) {
    refuseUnknownOptions(options, OPTION_NAMES, 'aws provider', 'config');
    this.name = options.name ?? 'aws';
    const window = options.recoveryWindowDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30)
      throw new ValidationError(
        `recoveryWindowDays must be a whole number of days from 7 to 30 (got ${window})`,
      );
    const metadata = new MetadataCache(parseDuration(options.metadataTtl ?? '1h'));
    if (
      options.maxAttempts !== undefined &&
      (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1 || options.maxAttempts > 20)
    )
      throw new ValidationError(
        `maxAttempts must be a whole number from 1 to 20 (got ${options.maxAttempts})`,
      );
    this.#ownsClient = !options.client;
    this.client =
      options.client ?? new SecretsManagerClient({ ...clientConfig(options, env), ...options.clientConfig });
    countAttempts(this.client, this.#counters);
    this.#session = {
      name: this.name,
      prefix: options.prefix ?? '',
      recoveryWindowDays: window,
      kmsKeyId: options.kmsKeyId,
      readTags: options.readTags ?? 'cached',
      metadata,
      counters: this.#counters,
      send: createSend(this.client, this.#counters),
    };
  }

  // ---- SecretProvider ----

  /** Refuses a configuration without a region at start (no network call is made). */
  async initialize(_options: ProviderCallOptions = {}): Promise<void> {
    try {
      const region = await this.client.config.region();
      if (!region) throw new Error('Region is missing');
    } catch (error) {
      throw toHushError(error, { provider: this.name, operation: 'initialize' });
    }
  }

  /** One GetSecretValue; tags and expiry as `readTags` says. */
  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return getSecret(this.#session, key, options);
  }

  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    const results = await this.batchGet(keys, options);
    const out = new Map<string, Secret | null>();
    const failed: Array<[string, HushError]> = [];
    for (const [key, result] of results) {
      if (result.status === 'found') out.set(key, result.secret);
      else if (result.status === 'not-found') out.set(key, null);
      else failed.push([key, result.error]);
    }
    if (failed.length > 0) {
      const names = failed.map(([key]) => `'${key}'`).join(', ');
      if (failed.every(([, error]) => error instanceof AccessDeniedError))
        throw new AccessDeniedError(`aws provider '${this.name}': access denied to ${names}`, {
          operation: 'getMany',
        });
      throw new ProviderError(
        this.name,
        `batch read failed for ${names}: ${failed.map(([, e]) => e.message).join('; ')}`,
      );
    }
    return out;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    checkValueSize(key, Buffer.byteLength(value));
    return writeSecret(this.#session, key, { SecretString: value }, options);
  }

  /** Writes bytes as `SecretBinary`; reads return them as base64 text. */
  async setBinary(key: string, value: Uint8Array, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    checkValueSize(key, value.byteLength);
    return writeSecret(this.#session, key, { SecretBinary: value }, options);
  }

  /**
   * Schedules deletion after `recoveryWindowDays`; `{ permanent: true }` (or `{ force: true }`,
   * the same thing in Secrets Manager's words) deletes at once with ForceDeleteWithoutRecovery.
   */
  async delete(key: string, options: AwsDeleteOptions = {}): Promise<boolean> {
    return deleteSecret(this.#session, key, options);
  }

  /** Cancels a scheduled deletion. False when there is no such secret (or it was already purged). */
  async restore(key: string, options: ProviderCallOptions = {}): Promise<boolean> {
    return restoreSecret(this.#session, key, options);
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return listSecrets(this.#session, options);
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    return listSecretVersions(this.#session, key, options);
  }

  /** Moves AWSCURRENT back to `version` (AWSPREVIOUS then labels the version that was current). */
  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    await moveCurrentTo(this.#session, key, version, options);
    const secret = await this.get(key, options);
    if (!secret) throw new SecretNotFoundError(key, { provider: this.name });
    return secret.toInfo();
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const started = Date.now();
    try {
      await this.#session.send(
        new ListSecretsCommand({ MaxResults: 1 }),
        { operation: 'health' },
        options.abortSignal,
      );
      return { status: 'healthy', details: { latencyMs: Date.now() - started } };
    } catch (error) {
      const mapped = toHushError(error, { provider: this.name, operation: 'health' });
      return { status: 'unhealthy', message: mapped.message, details: { code: mapped.code } };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }

  /**
   * Sets the resource policy of the secret `name` after ValidateResourcePolicy's checks (a
   * finding refuses it), with BlockPublicPolicy, so that a policy open to everyone is refused.
   */
  async putPolicy(name: string, document: string, options: ProviderCallOptions = {}): Promise<void> {
    validateSecretName(name);
    await this.#policiesFor(name, options.abortSignal).put(toAwsName(this.#session.prefix, name), document);
  }

  /** The resource policy of the secret `name`; null when it has none. */
  async getPolicy(name: string, options: ProviderCallOptions = {}): Promise<string | null> {
    validateSecretName(name);
    return this.#policiesFor(name, options.abortSignal).get(toAwsName(this.#session.prefix, name));
  }

  /** Removes the resource policy of the secret `name`; false when it had none. */
  async deletePolicy(name: string, options: ProviderCallOptions = {}): Promise<boolean> {
    validateSecretName(name);
    return this.#policiesFor(name, options.abortSignal).delete(toAwsName(this.#session.prefix, name));
  }

  /** External Secrets Operator's AWS provider: Secrets Manager in this region, credentials from the cluster. */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    const region = await this.client.config.region();
    const prefix = this.#session.prefix;
    return {
      provider: { aws: { service: 'SecretsManager', region } },
      remoteRef: (name) => ({ key: toAwsName(prefix, name) }),
    };
  }

  async dispose(): Promise<void> {
    if (this.#ownsClient) this.client.destroy();
  }

  // ---- AWS specifics ----

  /**
   * Reads many secrets with BatchGetSecretValue, 20 names per call, and reports each key's outcome:
   * found, not found (or scheduled for deletion), or the error AWS gave for that one secret.
   */
  async batchGet(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, AwsBatchResult>> {
    return batchGetSecrets(this.#session, keys, options);
  }

  #policiesFor(key: string, signal: AbortSignal | undefined): ResourcePolicies {
    return new ResourcePolicies(
      (command, operation) => this.#session.send(command as never, { operation, key }, signal),
      (error, operation) => toHushError(error, { provider: this.name, operation, key }),
    );
  }
}
