import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandOutput,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandOutput,
  ListSecretVersionIdsCommand,
  type ListSecretVersionIdsCommandOutput,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  AccessDeniedError,
  type Duration,
  type HushError,
  mapConcurrent,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
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
  VersionConflictError,
  validateSecretName,
} from '@hush/core';
import { type AwsConnectionOptions, clientConfig } from './auth.js';
import {
  AWSCURRENT,
  AWSPREVIOUS,
  BINARY_METADATA_KEY,
  decodeTags,
  EXPIRES_TAG,
  encodeTags,
  errorName,
  isNotFound,
  isPlausibleVersionId,
  isScheduledForDeletion,
  isThrottling,
  listEntryToInfo,
  toAwsName,
  toHushError,
  toSecret,
  toSecretInfo,
  toSecretVersion,
  versionWithLabel,
} from './mapping.js';
import { type KnownMetadata, MetadataCache } from './metadata.js';

/** Delete options: core's, plus `force` (AWS's ForceDeleteWithoutRecovery, same as `permanent`). */
export interface AwsDeleteOptions extends ProviderDeleteOptions {
  force?: boolean;
}

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

/** One key's outcome in `batchGet`. */
export type AwsBatchResult =
  | { status: 'found'; secret: Secret }
  | { status: 'not-found' }
  | { status: 'error'; error: HushError };

const MAX_VALUE_BYTES = 65_536;
const BATCH_SIZE = 20;
const BATCH_CONCURRENCY = 4;

interface Counters {
  operations: number;
  attempts: number;
  retries: number;
  throttled: number;
  serverErrors: number;
  networkErrors: number;
  batchCalls: number;
  describeDenied: number;
}

// The output type a command resolves to, read from its middleware handler's signature.
type SdkCommand = { resolveMiddleware(...args: any[]): (args: any) => Promise<{ output: any }> };
type OutputOf<C> = C extends {
  resolveMiddleware(...args: any[]): (args: any) => Promise<{ output: infer O }>;
}
  ? O & { $metadata: { attempts?: number } }
  : never;

type SecretValueField = { SecretString: string } | { SecretBinary: Uint8Array };

/** What a request is for (named in errors) and the caller's abort signal. */
interface SendContext {
  operation: string;
  key?: string;
  signal?: AbortSignal;
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
  readonly #prefix: string;
  readonly #recoveryWindowDays: number;
  readonly #kmsKeyId?: string;
  readonly #readTags: boolean | 'cached';
  readonly #metadata: MetadataCache;
  readonly #ownsClient: boolean;
  readonly #counters: Counters = {
    operations: 0,
    attempts: 0,
    retries: 0,
    throttled: 0,
    serverErrors: 0,
    networkErrors: 0,
    batchCalls: 0,
    describeDenied: 0,
  };

  constructor(
    options: AwsSecretsManagerProviderOptions = {},
    env: Record<string, string | undefined> = process.env,
  ) {
    refuseUnknownOptions(options, OPTION_NAMES, 'aws provider', 'config');
    this.name = options.name ?? 'aws';
    this.#prefix = options.prefix ?? '';
    const window = options.recoveryWindowDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30)
      throw new ValidationError(
        `recoveryWindowDays must be a whole number of days from 7 to 30 (got ${window})`,
      );
    this.#recoveryWindowDays = window;
    this.#kmsKeyId = options.kmsKeyId;
    this.#readTags = options.readTags ?? 'cached';
    this.#metadata = new MetadataCache(parseDuration(options.metadataTtl ?? '1h'));
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
    this.#countAttempts();
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
    validateSecretName(key);
    const version = options.version;
    // Not a VersionId AWS could have issued: nothing to ask (AWS would refuse it as invalid).
    if (version !== undefined && !isPlausibleVersionId(version)) return null;
    const secretId = toAwsName(this.#prefix, key);
    const context = { operation: 'get', key, version };
    const signal = options.abortSignal;
    const known = this.#readTags === false ? undefined : this.#metadata.get(secretId);
    try {
      const [value, described] = await Promise.all([
        this.#send(
          new GetSecretValueCommand({ SecretId: secretId, ...(version ? { VersionId: version } : {}) }),
          context,
          signal,
        ),
        this.#readTags === true && !known ? this.#describeForRead(secretId, context, signal) : undefined,
      ]);
      return toSecret(key, value, described ? this.#remember(secretId, described) : known, this.name);
    } catch (error) {
      if (isNotFound(error) || isScheduledForDeletion(error)) {
        this.#metadata.delete(secretId);
        return null;
      }
      throw toHushError(error, { provider: this.name, ...context });
    }
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
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES)
      throw new ValidationError(`secret '${key}' is larger than AWS's limit of ${MAX_VALUE_BYTES} bytes`);
    return this.#write(key, { SecretString: value }, options);
  }

  /** Writes bytes as `SecretBinary`; reads return them as base64 text. */
  async setBinary(key: string, value: Uint8Array, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    if (value.byteLength > MAX_VALUE_BYTES)
      throw new ValidationError(`secret '${key}' is larger than AWS's limit of ${MAX_VALUE_BYTES} bytes`);
    return this.#write(key, { SecretBinary: value }, options);
  }

  /**
   * Schedules deletion after `recoveryWindowDays`; `{ permanent: true }` (or `{ force: true }`,
   * the same thing in Secrets Manager's words) deletes at once with ForceDeleteWithoutRecovery.
   */
  async delete(key: string, options: AwsDeleteOptions = {}): Promise<boolean> {
    validateSecretName(key);
    const context = { operation: 'delete', key };
    try {
      await this.#send(
        new DeleteSecretCommand({
          SecretId: toAwsName(this.#prefix, key),
          ...(options.permanent || options.force
            ? { ForceDeleteWithoutRecovery: true }
            : { RecoveryWindowInDays: this.#recoveryWindowDays }),
        }),
        context,
        options.abortSignal,
      );
      this.#metadata.delete(toAwsName(this.#prefix, key));
      return true;
    } catch (error) {
      // Already scheduled for deletion: nothing left to delete (a permanent delete never lands here).
      if (isNotFound(error) || isScheduledForDeletion(error)) return false;
      throw toHushError(error, { provider: this.name, ...context });
    }
  }

  /** Cancels a scheduled deletion. False when there is no such secret (or it was already purged). */
  async restore(key: string, options: ProviderCallOptions = {}): Promise<boolean> {
    validateSecretName(key);
    const context = { operation: 'restore', key };
    try {
      await this.#send(
        new RestoreSecretCommand({ SecretId: toAwsName(this.#prefix, key) }),
        context,
        options.abortSignal,
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw toHushError(error, { provider: this.name, ...context });
    }
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const wanted = this.#prefix + (options.prefix ?? '');
    const filters = wanted ? [{ Key: 'name' as const, Values: [wanted] }] : undefined;
    const out: SecretInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page: ListSecretsCommandOutput = await this.#send(
        new ListSecretsCommand({ MaxResults: 100, NextToken: nextToken, Filters: filters, SortOrder: 'asc' }),
        { operation: 'list' },
        options.abortSignal,
      ).catch((error) => {
        throw toHushError(error, { provider: this.name, operation: 'list' });
      });
      for (const entry of page.SecretList ?? []) {
        // AWS's name filter matches words by prefix; keep only names that truly start with the prefix.
        if (!entry.Name?.startsWith(wanted)) continue;
        const listed = listEntryToInfo(this.#prefix, entry, this.name);
        if (!listed) continue;
        this.#metadata.set(entry.Name, {
          tags: decodeTags(entry.Tags),
          createdAt: listed.createdAt,
          updatedAt: listed.updatedAt,
        });
        out.push(listed);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    validateSecretName(key);
    const context = { operation: 'listVersions', key };
    const versions: SecretVersion[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page: ListSecretVersionIdsCommandOutput = await this.#send(
          new ListSecretVersionIdsCommand({
            SecretId: toAwsName(this.#prefix, key),
            IncludeDeprecated: true,
            MaxResults: 100,
            NextToken: nextToken,
          }),
          context,
          options.abortSignal,
        );
        for (const entry of page.Versions ?? []) {
          const version = toSecretVersion(entry);
          if (version) versions.push(version);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw toHushError(error, { provider: this.name, ...context });
    }
    // Oldest first; AWS lists newest first, so reverse before the (stable) sort keeps same-second writes in order.
    return versions.reverse().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Moves AWSCURRENT back to `version` (AWSPREVIOUS then labels the version that was current). */
  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    validateSecretName(key);
    const secretId = toAwsName(this.#prefix, key);
    const context = { operation: 'rollback', key, version };
    if (!isPlausibleVersionId(version)) throw new SecretNotFoundError(key, { provider: this.name, version });
    try {
      const signal = options.abortSignal;
      const described = await this.#send(new DescribeSecretCommand({ SecretId: secretId }), context, signal);
      this.#remember(secretId, described);
      const current = versionWithLabel(described.VersionIdsToStages);
      if (current !== version)
        await this.#send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: AWSCURRENT,
            MoveToVersionId: version,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
          context,
          signal,
        );
    } catch (error) {
      throw toHushError(error, { provider: this.name, ...context });
    }
    const secret = await this.get(key, options);
    if (!secret) throw new SecretNotFoundError(key, { provider: this.name });
    return secret.toInfo();
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const started = Date.now();
    try {
      await this.#send(
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

  async dispose(): Promise<void> {
    if (this.#ownsClient) this.client.destroy();
  }

  // ---- AWS specifics ----

  /**
   * Reads many secrets with BatchGetSecretValue, 20 names per call, and reports each key's outcome:
   * found, not found (or scheduled for deletion), or the error AWS gave for that one secret.
   */
  async batchGet(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, AwsBatchResult>> {
    const unique = [...new Set(keys)];
    for (const key of unique) validateSecretName(key);
    const results = new Map<string, AwsBatchResult>();
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_SIZE) chunks.push(unique.slice(i, i + BATCH_SIZE));
    await mapConcurrent(chunks, BATCH_CONCURRENCY, (chunk) =>
      this.#batchChunk(chunk, results, options.abortSignal),
    );
    // Keep the caller's order.
    return new Map(unique.map((key) => [key, results.get(key) ?? { status: 'not-found' }]));
  }

  async #batchChunk(
    keys: string[],
    results: Map<string, AwsBatchResult>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const byAwsName = new Map(keys.map((key) => [toAwsName(this.#prefix, key), key]));
    let output: BatchGetSecretValueCommandOutput;
    try {
      this.#counters.batchCalls++;
      output = await this.#send(
        new BatchGetSecretValueCommand({ SecretIdList: [...byAwsName.keys()] }),
        { operation: 'getMany' },
        signal,
      );
    } catch (error) {
      throw toHushError(error, { provider: this.name, operation: 'getMany' });
    }
    for (const entry of output.SecretValues ?? []) {
      const key = entry.Name !== undefined ? byAwsName.get(entry.Name) : undefined;
      if (key === undefined || !entry.VersionId) continue;
      const known = this.#readTags === false ? undefined : this.#metadata.get(entry.Name!);
      results.set(key, { status: 'found', secret: toSecret(key, entry, known, this.name) });
    }
    for (const failure of output.Errors ?? []) {
      const key = failure.SecretId !== undefined ? byAwsName.get(failure.SecretId) : undefined;
      if (key === undefined) continue;
      const error = { name: failure.ErrorCode, message: failure.Message ?? '', $fault: 'client' as const };
      if (isNotFound(error) || isScheduledForDeletion(error)) results.set(key, { status: 'not-found' });
      else
        results.set(key, {
          status: 'error',
          error: toHushError(error, { provider: this.name, operation: 'getMany', key }),
        });
    }
  }

  async #write(key: string, value: SecretValueField, options: ProviderSetOptions): Promise<SecretInfo> {
    validateSecretName(key);
    const secretId = toAwsName(this.#prefix, key);
    const context = { operation: 'set', key, signal: options.abortSignal };
    const tags = encodeTags(options);
    let versionId: string | undefined;
    let created = false;
    try {
      if (options.expectedVersion === '0') {
        versionId = await this.#create(secretId, value, tags, context);
        created = true;
      } else {
        if (options.expectedVersion !== undefined) {
          // Best effort: AWS has no conditional write, so a writer may slip in between this check and the write.
          const described = await this.#send(
            new DescribeSecretCommand({ SecretId: secretId }),
            context,
          ).catch((error) => {
            if (isNotFound(error)) throw new VersionConflictError(key);
            throw error;
          });
          if (
            described.DeletedDate ||
            versionWithLabel(described.VersionIdsToStages) !== options.expectedVersion
          )
            throw new VersionConflictError(key);
        }
        const put = await this.#put(secretId, value, context, options.expectedVersion === undefined);
        if (put === 'missing') {
          try {
            versionId = await this.#create(secretId, value, tags, context);
            created = true;
          } catch (error) {
            // Someone created it in between: write a new version instead.
            if (!(error instanceof VersionConflictError)) throw error;
            versionId = (await this.#put(secretId, value, context, false)) as string;
          }
        } else versionId = put;
      }
      if (!created) await this.#syncTags(secretId, tags, options.expiresAt !== undefined, context);
      if (options.expirePreviousVersions) await this.#dropPrevious(secretId, context);
    } catch (error) {
      if (error instanceof VersionConflictError || error instanceof ValidationError) throw error;
      throw toHushError(error, { provider: this.name, ...context });
    }
    const now = new Date();
    const decoded = decodeTags(tags);
    // What a write leaves is known without asking: a new secret has exactly these tags.
    if (created) this.#metadata.set(secretId, { tags: decoded, createdAt: now, updatedAt: now });
    else this.#metadata.merge(secretId, decoded, options.expiresAt === undefined);
    return toSecretInfo(key, versionId, this.name, {
      createdAt: now,
      updatedAt: now,
      ...decoded,
      metadata: {
        ...decoded.metadata,
        ...('SecretBinary' in value ? { [BINARY_METADATA_KEY]: 'base64' } : {}),
      },
    });
  }

  /** CreateSecret; a name that exists (or is scheduled for deletion) is a VersionConflictError. */
  async #create(
    secretId: string,
    value: SecretValueField,
    tags: ReturnType<typeof encodeTags>,
    context: SendContext & { key: string },
  ): Promise<string> {
    const { key } = context;
    try {
      const output = await this.#send(
        new CreateSecretCommand({
          Name: secretId,
          ...value,
          ...(tags.length ? { Tags: tags } : {}),
          ...(this.#kmsKeyId ? { KmsKeyId: this.#kmsKeyId } : {}),
        }),
        context,
      );
      return output.VersionId!;
    } catch (error) {
      if (errorName(error) === 'ResourceExistsException' || isScheduledForDeletion(error))
        throw new VersionConflictError(key);
      throw error;
    }
  }

  /**
   * PutSecretValue. 'missing' when the secret does not exist. A secret scheduled for deletion is
   * restored first when `restoreDeleted` (a plain write to a deleted name brings it back).
   */
  async #put(
    secretId: string,
    value: SecretValueField,
    context: SendContext & { key: string },
    restoreDeleted: boolean,
  ): Promise<string | 'missing'> {
    try {
      const output = await this.#send(new PutSecretValueCommand({ SecretId: secretId, ...value }), context);
      return output.VersionId!;
    } catch (error) {
      if (isNotFound(error)) return 'missing';
      if (isScheduledForDeletion(error)) {
        if (!restoreDeleted) throw new VersionConflictError(context.key);
        await this.#send(new RestoreSecretCommand({ SecretId: secretId }), context);
        const output = await this.#send(new PutSecretValueCommand({ SecretId: secretId, ...value }), context);
        return output.VersionId!;
      }
      throw error;
    }
  }

  /** Tags given on a write are merged into the secret's; the expiry belongs to the value written, so a write without one clears it. */
  async #syncTags(
    secretId: string,
    tags: ReturnType<typeof encodeTags>,
    hasExpiry: boolean,
    context: SendContext,
  ): Promise<void> {
    if (tags.length) await this.#send(new TagResourceCommand({ SecretId: secretId, Tags: tags }), context);
    if (!hasExpiry)
      await this.#send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [EXPIRES_TAG] }), context);
  }

  /** Takes AWSPREVIOUS off the version that was current, so nothing but the new version is labelled. */
  async #dropPrevious(secretId: string, context: SendContext): Promise<void> {
    const described = await this.#send(new DescribeSecretCommand({ SecretId: secretId }), context);
    const previous = versionWithLabel(described.VersionIdsToStages, AWSPREVIOUS);
    if (previous)
      await this.#send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: AWSPREVIOUS,
          RemoveFromVersionId: previous,
        }),
        context,
      );
  }

  /**
   * DescribeSecret for a read. A principal allowed GetSecretValue but not DescribeSecret (a common
   * least-privilege policy) still reads the value, without tags or expiry; counted in `describeDenied`.
   */
  async #describeForRead(
    secretId: string,
    context: SendContext,
    signal: AbortSignal | undefined,
  ): Promise<DescribeSecretCommandOutput | undefined> {
    try {
      return await this.#send(new DescribeSecretCommand({ SecretId: secretId }), context, signal);
    } catch (error) {
      if (errorName(error) !== 'AccessDeniedException') throw error;
      this.#counters.describeDenied++;
      return undefined;
    }
  }

  /** Keeps what a DescribeSecret said of the secret's tags, for later plain reads. */
  #remember(secretId: string, described: DescribeSecretCommandOutput): KnownMetadata {
    const known: KnownMetadata = {
      tags: decodeTags(described.Tags),
      ...(described.CreatedDate ? { createdAt: described.CreatedDate } : {}),
      ...(described.LastChangedDate ? { updatedAt: described.LastChangedDate } : {}),
    };
    this.#metadata.set(secretId, known);
    return known;
  }

  /** Sends one command, counting the operation and the SDK's retries. */
  async #send<C extends SdkCommand>(
    command: C,
    context: SendContext,
    signal: AbortSignal | undefined = context.signal,
  ): Promise<OutputOf<C>> {
    this.#counters.operations++;
    try {
      const output = (await this.client.send(
        command as never,
        (signal ? { abortSignal: signal } : {}) as never,
      )) as OutputOf<C>;
      this.#counters.retries += Math.max(0, (output.$metadata.attempts ?? 1) - 1);
      return output;
    } catch (error) {
      const attempts = (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
      this.#counters.retries += Math.max(0, (attempts ?? 1) - 1);
      throw error;
    }
  }

  /** Counts every attempt the SDK makes (inside its retry loop) and classifies failed ones. */
  #countAttempts(): void {
    const counters = this.#counters;
    this.client.middlewareStack.add(
      (next) => async (args) => {
        counters.attempts++;
        try {
          return await next(args);
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
          if (isThrottling(error)) counters.throttled++;
          else if (status !== undefined && status >= 500) counters.serverErrors++;
          else if (status === undefined && (error as { $fault?: string })?.$fault === undefined)
            counters.networkErrors++;
          throw error;
        }
      },
      { step: 'deserialize', name: 'hushAttemptCounter', priority: 'high', override: true },
    );
  }
}
