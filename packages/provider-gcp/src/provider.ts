import { type protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  ConfigError,
  createSecret,
  type ExternalSecretsBackend,
  IntegrityError,
  isTransientError,
  mapConcurrent,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  refuseUnknownOptions,
  retry,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
  withTimeout,
} from '@hush/core';
import { crc32c } from './crc32c.js';
import {
  Code,
  fromSecretId,
  grpcCode,
  lastSegment,
  type NameMapping,
  safeCause,
  toDate,
  toHushError,
  toLabels,
  toSecretId,
  toSecretInfo,
  toTimestamp,
  toVersionState,
  type WireSecret,
} from './mapping.js';

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

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

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  write: true,
  delete: true,
  list: true,
  versions: true,
  tags: true,
  expiry: true,
  batchGet: true,
});

const VERSION_NUMBER = /^[1-9][0-9]{0,18}$/;

/** Reads at a time in a batch, and version changes at a time after a write. */
const BATCH_CONCURRENCY = 8;

/** Operations that change nothing, safe to send again after an UNAVAILABLE. */
const READ_OPERATIONS = new Set(['read', 'list', 'list versions of']);

/** gRPC codes to drop from an error's mapping and hand back raw (the caller interprets them). */
interface CallOptions {
  raw?: readonly number[];
}

type AccessResponse = protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse;
type WireVersion = protos.google.cloud.secretmanager.v1.ISecretVersion;

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<GcpProviderOptions>()({
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

/** GCP Secret Manager through the official client, over gRPC. */
export class GcpSecretManagerProvider implements SecretProvider {
  readonly kind = 'gcp';
  readonly name: string;
  readonly capabilities = CAPABILITIES;
  readonly #client: SecretManagerServiceClient;
  readonly #mapping: NameMapping;
  readonly #timeout: number;
  readonly #maxAttempts: number;
  readonly #verify: boolean;
  #project: string | undefined;
  #projectLookup?: Promise<string>;
  readonly #counters = { calls: 0, failures: 0, retries: 0, integrityFailures: 0 };

  constructor(options: GcpProviderOptions = {}, env: Record<string, string | undefined> = process.env) {
    refuseUnknownOptions(options, OPTION_NAMES, 'gcp provider', 'config');
    checkOptions(options);
    this.name = options.name ?? 'gcp';
    this.#mapping = options.nameMapping ?? 'escape';
    if (this.#mapping !== 'escape' && this.#mapping !== 'plain')
      throw new ConfigError(`nameMapping must be 'escape' or 'plain', not '${String(this.#mapping)}'`, {
        path: 'nameMapping',
      });
    this.#timeout = options.timeout ?? 10_000;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#verify = options.verifyChecksums ?? true;
    this.#project = options.project ?? env.GOOGLE_CLOUD_PROJECT ?? undefined;
    this.#client = options.client ?? new SecretManagerServiceClient(clientOptionsOf(options));
  }

  /** The project secrets live in (resolved from ADC when neither the option nor GOOGLE_CLOUD_PROJECT gives one). */
  async project(): Promise<string> {
    if (this.#project) return this.#project;
    this.#projectLookup ??= this.#client.getProjectId().then(
      (project) => (this.#project = project),
      (error: unknown) => {
        this.#projectLookup = undefined;
        throw new ConfigError('no GCP project: set the `project` option or GOOGLE_CLOUD_PROJECT', {
          path: 'project',
          cause: safeCause(error),
        });
      },
    );
    return this.#projectLookup;
  }

  async initialize(): Promise<void> {
    await this.project();
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    const signal = options.abortSignal;
    const id = toSecretId(key, this.#mapping);
    if (options.version !== undefined && !VERSION_NUMBER.test(options.version)) return null;
    const secretName = await this.#secretName(id);
    const versionName = `${secretName}/versions/${options.version ?? 'latest'}`;
    let accessed: AccessResponse;
    let secret: WireSecret;
    try {
      [[accessed], [secret]] = await Promise.all([
        this.#call(
          'read',
          key,
          signal,
          (rpc) => rpc.accessSecretVersion({ name: versionName }, this.#callOptions()),
          {
            raw: [Code.NOT_FOUND],
          },
        ),
        this.#call('read', key, signal, (rpc) => rpc.getSecret({ name: secretName }, this.#callOptions()), {
          raw: [Code.NOT_FOUND],
        }),
      ]);
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return null;
      throw error;
    }
    if (!accessed || !secret) return null;
    const version = lastSegment(accessed.name);
    const data = Buffer.from((accessed.payload?.data as Uint8Array | null | undefined) ?? new Uint8Array());
    const reported = accessed.payload?.dataCrc32c;
    if (
      this.#verify &&
      reported !== undefined &&
      reported !== null &&
      Number(String(reported)) !== crc32c(data)
    ) {
      this.#counters.integrityFailures++;
      throw new IntegrityError(
        `secret '${key}' version ${version} from gcp provider '${this.name}' failed its CRC32C check: the payload was corrupted in transit or storage`,
        key,
      );
    }
    // Best effort: the version's own date; the secret's serves without it.
    const versionMeta = await this.#call('read', key, signal, (rpc) =>
      rpc.getSecretVersion({ name: `${secretName}/versions/${version}` }, this.#callOptions()),
    ).then(
      ([v]) => v,
      () => undefined,
    );
    const info = this.#info(key, secret, version, toDate(versionMeta?.createTime));
    return createSecret({ ...info, value: data.toString('utf8') });
  }

  /** A few reads at a time, so that a large batch does not open hundreds of calls at once. */
  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    const distinct = [...new Set(keys)];
    const secrets = await mapConcurrent(distinct, BATCH_CONCURRENCY, (key) =>
      this.get(key, options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    );
    return new Map(distinct.map((key, i) => [key, secrets[i] ?? null]));
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    const signal = options.abortSignal;
    const id = toSecretId(key, this.#mapping);
    if (typeof value !== 'string') throw new ValidationError(`the value of secret '${key}' must be a string`);
    const labels = options.tags ? toLabels(options.tags) : undefined;
    if (options.expiresAt && options.expiresAt.getTime() <= Date.now())
      throw new ValidationError(
        `expiry of secret '${key}' must be in the future (GCP deletes a secret at its expire time)`,
      );
    const project = await this.project();
    const secretName = `projects/${project}/secrets/${id}`;
    const annotations = options.metadata ? { ...options.metadata } : undefined;

    let created = false;
    const init = { labels, annotations, expiresAt: options.expiresAt };
    if (options.expectedVersion === '0') {
      created = await this.#create(key, project, id, init, signal);
      if (!created) throw new VersionConflictError(key);
    } else if (options.expectedVersion !== undefined) {
      // Secret Manager has no compare-and-set on AddSecretVersion: check the newest version first (best effort).
      const current = await this.#latestVersionNumber(key, secretName, signal);
      if (current !== options.expectedVersion) throw new VersionConflictError(key);
    }

    const data = Buffer.from(value, 'utf8');
    const payload = { data, dataCrc32c: crc32c(data) };
    const addVersion = (raw: readonly number[] = []) =>
      this.#call(
        'write',
        key,
        signal,
        (rpc) => rpc.addSecretVersion({ parent: secretName, payload }, this.#callOptions()),
        { raw },
      );
    let added: WireVersion;
    try {
      [added] = await addVersion([Code.NOT_FOUND]);
    } catch (error) {
      if (grpcCode(error) !== Code.NOT_FOUND) throw error;
      created = (await this.#create(key, project, id, init, signal)) || created;
      [added] = await addVersion();
    }

    let secret: WireSecret | undefined;
    const paths: string[] = [];
    if (!created) {
      if (labels) paths.push('labels');
      if (annotations) paths.push('annotations');
      if (options.expiresAt) paths.push('expire_time');
    }
    if (paths.length > 0) {
      [secret] = await this.#call('write', key, signal, (rpc) =>
        rpc.updateSecret(
          {
            secret: {
              name: secretName,
              ...(labels ? { labels } : {}),
              ...(annotations ? { annotations } : {}),
              ...(options.expiresAt ? { expireTime: toTimestamp(options.expiresAt) } : {}),
            },
            updateMask: { paths },
          },
          this.#callOptions(),
        ),
      );
    } else {
      [secret] = await this.#call('write', key, signal, (rpc) =>
        rpc.getSecret({ name: secretName }, this.#callOptions()),
      );
    }
    const version = lastSegment(added.name);
    if (options.expirePreviousVersions) await this.#disableOlderVersions(key, secretName, version, signal);
    return this.#info(key, secret, version, toDate(added.createTime));
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    const signal = options.abortSignal;
    const id = toSecretId(key, this.#mapping);
    const name = await this.#secretName(id);
    try {
      await this.#call('delete', key, signal, (rpc) => rpc.deleteSecret({ name }, this.#callOptions()), {
        raw: [Code.NOT_FOUND],
      });
      return true;
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return false;
      throw error;
    }
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const signal = options.abortSignal;
    const project = await this.project();
    const prefix = options.prefix ?? '';
    // `name:` is a substring filter: it narrows the listing on the server; the prefix is checked here.
    let filter: string | undefined;
    if (prefix) {
      const idPrefix =
        this.#mapping === 'escape'
          ? prefix.replace(/[_/.]/g, (c) => ({ _: '__', '/': '_-', '.': '_d' })[c]!)
          : prefix;
      filter = /^[a-zA-Z0-9_-]+$/.test(idPrefix) ? `name:"${idPrefix}"` : undefined;
    }
    // A retry starts the listing again: pages are read until the end each time.
    const results = await this.#call('list', undefined, signal, async (rpc) => {
      const found: SecretInfo[] = [];
      const iterable = rpc.listSecretsAsync(
        { parent: `projects/${project}`, pageSize: 250, ...(filter ? { filter } : {}) },
        { ...this.#callOptions(), autoPaginate: false },
      );
      for await (const secret of iterable) {
        const key = fromSecretId(lastSegment(secret.name), this.#mapping);
        if (key === null || !key.startsWith(prefix)) continue;
        // Listing gives no version numbers; `latest` is what a read without a version serves.
        found.push(this.#info(key, secret, 'latest'));
      }
      return found;
    });
    return results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    const name = await this.#secretName(toSecretId(key, this.#mapping));
    let versions: SecretVersion[];
    try {
      versions = await this.#call(
        'list versions of',
        key,
        options.abortSignal,
        async (rpc) => {
          const found: SecretVersion[] = [];
          for await (const v of rpc.listSecretVersionsAsync(
            { parent: name, pageSize: 250 },
            { ...this.#callOptions(), autoPaginate: false },
          ))
            found.push({
              version: lastSegment(v.name),
              createdAt: toDate(v.createTime) ?? new Date(0),
              current: false,
              state: toVersionState(v.state),
            });
          return found;
        },
        { raw: [Code.NOT_FOUND] },
      );
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return [];
      throw error;
    }
    versions.sort((a, b) => Number(b.version) - Number(a.version));
    // `latest` is the newest version whatever its state: that is what a read without a version gets.
    if (versions[0]) versions[0].current = true;
    return versions;
  }

  /** Reads `version` and writes its value as a new version (the old one stays in the history). */
  async rollback(key: string, version: string): Promise<SecretInfo> {
    const old = await this.get(key, { version });
    if (!old)
      throw toHushError({ code: Code.NOT_FOUND }, { provider: this.name, key, operation: 'roll back' });
    return this.set(key, old.value);
  }

  /** Makes a version unreadable until enabled again. */
  async disableVersion(key: string, version: string): Promise<SecretVersion> {
    return this.#changeVersion(key, version, 'disable');
  }

  async enableVersion(key: string, version: string): Promise<SecretVersion> {
    return this.#changeVersion(key, version, 'enable');
  }

  /** Irrevocably discards a version's data; the version number stays in the history as destroyed. */
  async destroyVersion(key: string, version: string): Promise<SecretVersion> {
    return this.#changeVersion(key, version, 'destroy');
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const signal = options.abortSignal;
    const started = Date.now();
    try {
      const project = await this.project();
      await this.#call('list', undefined, signal, (rpc) =>
        rpc.listSecrets(
          { parent: `projects/${project}`, pageSize: 1 },
          { ...this.#callOptions(), autoPaginate: false },
        ),
      );
      return { status: 'healthy', details: { project, latencyMs: Date.now() - started } };
    } catch (error) {
      return {
        status: 'unhealthy',
        message: toHushError(error, { provider: this.name, operation: 'list' }).message,
      };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }

  /** External Secrets Operator's GCP Secret Manager provider for this project (workload identity); ids as mapped here. */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    const projectID = await this.project();
    return {
      provider: { gcpsm: { projectID } },
      remoteRef: (name) => ({ key: toSecretId(name, this.#mapping) }),
    };
  }

  async dispose(): Promise<void> {
    await this.#client.close();
  }

  async #changeVersion(
    key: string,
    version: string,
    action: 'disable' | 'enable' | 'destroy',
    signal?: AbortSignal,
  ): Promise<SecretVersion> {
    const id = toSecretId(key, this.#mapping);
    if (!VERSION_NUMBER.test(version))
      throw new ValidationError(`version '${version}' of secret '${key}' is not a version number`);
    const name = `${await this.#secretName(id)}/versions/${version}`;
    const [result] = await this.#call(`${action} a version of`, key, signal, (rpc) => {
      if (action === 'disable') return rpc.disableSecretVersion({ name }, this.#callOptions());
      if (action === 'enable') return rpc.enableSecretVersion({ name }, this.#callOptions());
      return rpc.destroySecretVersion({ name }, this.#callOptions());
    });
    return {
      version: lastSegment(result.name),
      createdAt: toDate(result.createTime) ?? new Date(0),
      current: false,
      state: toVersionState(result.state),
    };
  }

  async #create(
    key: string,
    project: string,
    id: string,
    init: { labels?: Record<string, string>; annotations?: Record<string, string>; expiresAt?: Date },
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    try {
      await this.#call(
        'create',
        key,
        signal,
        (rpc) =>
          rpc.createSecret(
            {
              parent: `projects/${project}`,
              secretId: id,
              secret: {
                replication: { automatic: {} },
                labels: init.labels ?? {},
                annotations: init.annotations ?? {},
                ...(init.expiresAt ? { expireTime: toTimestamp(init.expiresAt) } : {}),
              },
            },
            this.#callOptions(),
          ),
        { raw: [Code.ALREADY_EXISTS] },
      );
      return true;
    } catch (error) {
      // Another writer created it first: fine, the version goes to the same secret.
      if (grpcCode(error) === Code.ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async #latestVersionNumber(
    key: string,
    secretName: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    try {
      const [version] = await this.#call(
        'read',
        key,
        signal,
        (rpc) => rpc.getSecretVersion({ name: `${secretName}/versions/latest` }, this.#callOptions()),
        { raw: [Code.NOT_FOUND] },
      );
      return lastSegment(version.name);
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return '0';
      throw error;
    }
  }

  async #disableOlderVersions(
    key: string,
    secretName: string,
    newest: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const older = (await this.listVersions(key, signal ? { abortSignal: signal } : {})).filter(
      (v) => v.state === 'enabled' && Number(v.version) < Number(newest),
    );
    await mapConcurrent(older, BATCH_CONCURRENCY, (v) =>
      this.#call('disable a version of', key, signal, (rpc) =>
        rpc.disableSecretVersion({ name: `${secretName}/versions/${v.version}` }, this.#callOptions()),
      ),
    );
  }

  async #secretName(id: string): Promise<string> {
    return `projects/${await this.project()}/secrets/${id}`;
  }

  /** gax's own retries are off: core's retry runs them, under the same deadline as the call. */
  #callOptions(): { timeout: number; retry: null } {
    return { timeout: this.#timeout, retry: null };
  }

  /**
   * The client, with each call cancelled when `signal` aborts: gax calls take no AbortSignal,
   * but the promise they return has `cancel()`, which ends the gRPC call.
   */
  #rpc(signal: AbortSignal): SecretManagerServiceClient {
    return new Proxy(this.#client, {
      get(target, property, receiver) {
        const member = Reflect.get(target, property, receiver) as unknown;
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          signal.throwIfAborted();
          const call = (member as (...a: unknown[]) => unknown).apply(target, args);
          const cancel = (call as { cancel?: () => void } | undefined)?.cancel;
          if (typeof cancel === 'function') {
            const onAbort = () => cancel.call(call);
            signal.addEventListener('abort', onAbort, { once: true });
            Promise.resolve(call)
              .catch(() => undefined)
              .finally(() => signal.removeEventListener('abort', onAbort));
          }
          return call;
        };
      },
    });
  }

  /**
   * One call with core's toolkit: a deadline of `timeout` over every try (the call is
   * cancelled when it passes or when `signal` aborts) and full-jitter retries of what is worth
   * another try. Failures become hush errors, except the `raw` codes, handed back as they came.
   */
  async #call<T>(
    operation: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    run: (rpc: SecretManagerServiceClient) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const idempotent = READ_OPERATIONS.has(operation);
    try {
      return await withTimeout(
        (deadline) =>
          retry(
            () => {
              this.#counters.calls++;
              return run(this.#rpc(deadline));
            },
            {
              attempts: this.#maxAttempts,
              maxDelayMs: 2_000,
              budgetMs: this.#timeout,
              abortSignal: deadline,
              retryable: (error) => isRetryable(error, idempotent),
              onRetry: () => {
                this.#counters.retries++;
              },
            },
          ),
        this.#timeout,
        { provider: this.name, ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (error) {
      const code = grpcCode(error);
      if (code !== undefined && options.raw?.includes(code)) throw error;
      throw this.#fail(error, key, operation);
    }
  }

  #fail(error: unknown, key: string | undefined, operation: string): Error {
    this.#counters.failures++;
    return toHushError(error, { provider: this.name, ...(key !== undefined ? { key } : {}), operation });
  }

  #info(key: string, secret: WireSecret | undefined, version: string, updatedAt?: Date): SecretInfo {
    return toSecretInfo(key, secret, version, this.name, updatedAt);
  }
}

/**
 * Worth another try: throttling (refused before any work), and for a call that changes nothing
 * also an unavailable service or a network failure (core's classification).
 */
function isRetryable(error: unknown, idempotent: boolean): boolean {
  const code = grpcCode(error);
  if (code === Code.RESOURCE_EXHAUSTED) return true;
  if (!idempotent) return false;
  return code === Code.UNAVAILABLE || (code === undefined && isTransientError(error));
}

/** Options often come from a configuration file: refuse wrong types at start, naming the option. */
function checkOptions(options: GcpProviderOptions): void {
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

function clientOptionsOf(options: GcpProviderOptions): ClientOptions {
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
