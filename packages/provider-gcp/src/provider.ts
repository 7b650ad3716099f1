import { type protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  ConfigError,
  createSecret,
  IntegrityError,
  optionNames,
  type ProviderCallOptions,
  type ProviderCapabilities,
  type ProviderDeleteOptions,
  type ProviderGetOptions,
  type ProviderHealth,
  type ProviderListOptions,
  type ProviderSetOptions,
  refuseUnknownOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  ValidationError,
  VersionConflictError,
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
  batchGet: false,
});

const VERSION_NUMBER = /^[1-9][0-9]{0,18}$/;

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
  readonly #verify: boolean;
  #project: string | undefined;
  #projectLookup?: Promise<string>;
  readonly #counters = { calls: 0, failures: 0, integrityFailures: 0 };

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
        this.#call('read', key, () =>
          this.#rpc(signal).accessSecretVersion({ name: versionName }, this.#callOptions()),
        ),
        this.#call('read', key, () => this.#rpc(signal).getSecret({ name: secretName }, this.#callOptions())),
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
    const versionMeta = await this.#client
      .getSecretVersion({ name: `${secretName}/versions/${version}` }, this.#callOptions())
      .then(
        ([v]) => v,
        () => undefined,
      );
    const info = this.#info(key, secret, version, toDate(versionMeta?.createTime));
    return createSecret({ ...info, value: data.toString('utf8') });
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
    if (options.expectedVersion === '0') {
      created = await this.#create(key, project, id, { labels, annotations, expiresAt: options.expiresAt });
      if (!created) throw new VersionConflictError(key);
    } else if (options.expectedVersion !== undefined) {
      // Secret Manager has no compare-and-set on AddSecretVersion: check the newest version first (best effort).
      const current = await this.#latestVersionNumber(key, secretName);
      if (current !== options.expectedVersion) throw new VersionConflictError(key);
    }

    const data = Buffer.from(value, 'utf8');
    const payload = { data, dataCrc32c: crc32c(data) };
    let added: WireVersion;
    try {
      [added] = await this.#rpc(signal).addSecretVersion(
        { parent: secretName, payload },
        this.#callOptions(),
      );
      this.#counters.calls++;
    } catch (error) {
      if (grpcCode(error) !== Code.NOT_FOUND) throw this.#fail(error, key, 'write');
      created =
        (await this.#create(key, project, id, { labels, annotations, expiresAt: options.expiresAt })) ||
        created;
      added = (
        await this.#call('write', key, () =>
          this.#rpc(signal).addSecretVersion({ parent: secretName, payload }, this.#callOptions()),
        )
      )[0];
    }

    let secret: WireSecret | undefined;
    const paths: string[] = [];
    if (!created) {
      if (labels) paths.push('labels');
      if (annotations) paths.push('annotations');
      if (options.expiresAt) paths.push('expire_time');
    }
    if (paths.length > 0) {
      [secret] = await this.#call('write', key, () =>
        this.#rpc(signal).updateSecret(
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
      [secret] = await this.#call('write', key, () =>
        this.#rpc(signal).getSecret({ name: secretName }, this.#callOptions()),
      );
    }
    const version = lastSegment(added.name);
    if (options.expirePreviousVersions) await this.#disableOlderVersions(key, secretName, version);
    return this.#info(key, secret, version, toDate(added.createTime));
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    const signal = options.abortSignal;
    const id = toSecretId(key, this.#mapping);
    const name = await this.#secretName(id);
    try {
      await this.#rpc(signal).deleteSecret({ name }, this.#callOptions());
      this.#counters.calls++;
      return true;
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return false;
      throw this.#fail(error, key, 'delete');
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
    const results: SecretInfo[] = [];
    try {
      this.#counters.calls++;
      const iterable = this.#rpc(signal).listSecretsAsync(
        { parent: `projects/${project}`, pageSize: 250, ...(filter ? { filter } : {}) },
        { ...this.#callOptions(), autoPaginate: false },
      );
      for await (const secret of iterable) {
        const key = fromSecretId(lastSegment(secret.name), this.#mapping);
        if (key === null || !key.startsWith(prefix)) continue;
        // Listing gives no version numbers; `latest` is what a read without a version serves.
        results.push(this.#info(key, secret, 'latest'));
      }
    } catch (error) {
      throw this.#fail(error, undefined, 'list');
    }
    return results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    const signal = options.abortSignal;
    const name = await this.#secretName(toSecretId(key, this.#mapping));
    const versions: SecretVersion[] = [];
    try {
      this.#counters.calls++;
      for await (const v of this.#rpc(signal).listSecretVersionsAsync(
        { parent: name, pageSize: 250 },
        { ...this.#callOptions(), autoPaginate: false },
      )) {
        versions.push({
          version: lastSegment(v.name),
          createdAt: toDate(v.createTime) ?? new Date(0),
          current: false,
          state: toVersionState(v.state),
        });
      }
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return [];
      throw this.#fail(error, key, 'list versions of');
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
      await this.#rpc(signal).listSecrets(
        { parent: `projects/${project}`, pageSize: 1 },
        { ...this.#callOptions(), autoPaginate: false },
      );
      return { status: 'healthy', details: { project, latencyMs: Date.now() - started } };
    } catch (error) {
      const mapped = this.#fail(error, undefined, 'list');
      return { status: 'unhealthy', message: mapped.message };
    }
  }

  metrics(): Record<string, number> {
    return { ...this.#counters };
  }

  async dispose(): Promise<void> {
    await this.#client.close();
  }

  async #changeVersion(
    key: string,
    version: string,
    action: 'disable' | 'enable' | 'destroy',
  ): Promise<SecretVersion> {
    const id = toSecretId(key, this.#mapping);
    if (!VERSION_NUMBER.test(version))
      throw new ValidationError(`version '${version}' of secret '${key}' is not a version number`);
    const name = `${await this.#secretName(id)}/versions/${version}`;
    const [result] = await this.#call(`${action} a version of`, key, () => {
      if (action === 'disable') return this.#client.disableSecretVersion({ name }, this.#callOptions());
      if (action === 'enable') return this.#client.enableSecretVersion({ name }, this.#callOptions());
      return this.#client.destroySecretVersion({ name }, this.#callOptions());
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
  ): Promise<boolean> {
    try {
      await this.#client.createSecret(
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
      );
      this.#counters.calls++;
      return true;
    } catch (error) {
      // Another writer created it first: fine, the version goes to the same secret.
      if (grpcCode(error) === Code.ALREADY_EXISTS) return false;
      throw this.#fail(error, key, 'create');
    }
  }

  async #latestVersionNumber(key: string, secretName: string): Promise<string> {
    try {
      const [version] = await this.#client.getSecretVersion(
        { name: `${secretName}/versions/latest` },
        this.#callOptions(),
      );
      return lastSegment(version.name);
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND) return '0';
      throw this.#fail(error, key, 'read');
    }
  }

  async #disableOlderVersions(key: string, secretName: string, newest: string): Promise<void> {
    for (const v of await this.listVersions(key)) {
      if (v.state === 'enabled' && Number(v.version) < Number(newest))
        await this.#call('disable a version of', key, () =>
          this.#client.disableSecretVersion(
            { name: `${secretName}/versions/${v.version}` },
            this.#callOptions(),
          ),
        );
    }
  }

  async #secretName(id: string): Promise<string> {
    return `projects/${await this.project()}/secrets/${id}`;
  }

  #callOptions(): { timeout: number } {
    return { timeout: this.#timeout };
  }

  /**
   * The client, with each call cancelled when `signal` aborts: gax calls take no AbortSignal,
   * but the promise they return has `cancel()`, which ends the gRPC call.
   */
  #rpc(signal: AbortSignal | undefined): SecretManagerServiceClient {
    if (!signal) return this.#client;
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

  async #call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    this.#counters.calls++;
    try {
      return await run();
    } catch (error) {
      if (grpcCode(error) === Code.NOT_FOUND && operation === 'read') throw error;
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
