import { setTimeout as sleep } from 'node:timers/promises';
import {
  createSecret,
  HushError,
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
  refuseUnknownOptions,
  retry,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  UnsupportedOperationError,
  ValidationError,
  VersionConflictError,
  withTimeout,
} from '@hush/core';
import {
  CoreV1Api,
  type KubeConfig,
  Observable,
  type RequestContext,
  type ResponseContext,
  type V1Secret,
} from '@kubernetes/client-node';
import { loadKubeConfig, namespaceOf } from './auth.js';
import {
  decodeValue,
  type EntryMeta,
  encodeValue,
  holdsPath,
  infoOf,
  type Location,
  locate,
  type MappingMode,
  nameOfEntry,
  PATH_ANNOTATION,
  pathOfSecret,
  readEntries,
  retryAfterMs,
  statusCodeOf,
  toHushError,
  validateTags,
  WHOLE_SECRET_ENTRY,
  wholeSecretData,
  wholeSecretValue,
  writeEntries,
} from './mapping.js';

export interface KubernetesProviderOptions {
  /** Instance name (default `k8s`). */
  name?: string;
  /** A kubeconfig file path or a ready `KubeConfig`; default: `KUBECONFIG`, `~/.kube/config`, then in-cluster. */
  kubeconfig?: string | KubeConfig;
  /** A kubeconfig context other than the current one. */
  context?: string;
  /** Namespace of the Secrets (default: the context's namespace, else `default`). */
  namespace?: string;
  /**
   * `key` (default): `secret-name/key` is one key of a Secret, a bare name is key `defaultKey`.
   * `secret`: each hush secret is a whole Secret whose value is the JSON object of its keys.
   */
  mode?: MappingMode;
  /** The data key a name without `/` maps to in `key` mode (default `value`). */
  defaultKey?: string;
  /** Only Secrets matching this label selector are listed (e.g. `app=shop`). */
  labelSelector?: string;
  /** Secrets per list request (default 100). */
  pageSize?: number;
  /** Read-modify-replace attempts after a 409 Conflict before giving up (default 5). */
  maxConflictRetries?: number;
  /** Retries of a request throttled with 429 (default 2), honouring Retry-After. */
  maxRetries?: number;
  /** Longest wait for one API request (default 10 s); a timeout is an outage. */
  timeoutMs?: number;
  /** Where the pod's service account is mounted, for the in-cluster connection (default `/var/run/secrets/kubernetes.io/serviceaccount`). */
  serviceAccountDir?: string;
  /** Where relative paths are resolved and which environment is read (set by the plugin loader). */
  root?: string;
  env?: Record<string, string | undefined>;
}

type Change =
  | { kind: 'none' }
  | { kind: 'create'; body: V1Secret }
  | { kind: 'replace'; body: V1Secret }
  | { kind: 'delete'; resourceVersion: string };

const OPAQUE = 'Opaque';
const BATCH_CONCURRENCY = 8;

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<KubernetesProviderOptions>()({
  name: true,
  kubeconfig: true,
  context: true,
  namespace: true,
  mode: true,
  defaultKey: true,
  labelSelector: true,
  pageSize: true,
  maxConflictRetries: true,
  maxRetries: true,
  timeoutMs: true,
  serviceAccountDir: true,
  root: true,
  env: true,
});

/** Kubernetes Secrets as a hush provider, through @kubernetes/client-node. */
export class KubernetesProvider implements SecretProvider {
  readonly name: string;
  readonly kind = 'k8s';
  /** Kubernetes keeps no history of a Secret, so versions are not offered (the version is the resourceVersion). */
  readonly capabilities: ProviderCapabilities = {
    write: true,
    delete: true,
    list: true,
    versions: false,
    tags: true,
    expiry: true,
    batchGet: true,
  };
  readonly namespace: string;
  readonly mode: MappingMode;
  readonly #api: CoreV1Api;
  readonly #server: string;
  readonly #defaultKey: string;
  readonly #labelSelector?: string;
  readonly #pageSize: number;
  readonly #maxConflictRetries: number;
  readonly #maxRetries: number;
  readonly #timeoutMs: number;
  /** Writes to one Secret from this process queue up instead of racing each other into 409s. */
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #counters = { conflictRetries: 0, conflictsExhausted: 0, throttled: 0, retries: 0, requests: 0 };

  constructor(options: KubernetesProviderOptions = {}) {
    refuseUnknownOptions(options, OPTION_NAMES, 'kubernetes provider', 'config');
    this.name = options.name ?? 'k8s';
    const kc = loadKubeConfig({
      kubeconfig: options.kubeconfig,
      context: options.context,
      root: options.root ?? process.cwd(),
      env: options.env ?? process.env,
      ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
    });
    this.namespace = namespaceOf(kc, options.namespace);
    this.#server = kc.getCurrentCluster()?.server ?? '(unknown server)';
    this.#api = kc.makeApiClient(CoreV1Api);
    this.mode = options.mode ?? 'key';
    if (this.mode !== 'key' && this.mode !== 'secret')
      throw new ValidationError(`mode must be 'key' or 'secret'`);
    this.#defaultKey = options.defaultKey ?? 'value';
    if (options.labelSelector) this.#labelSelector = options.labelSelector;
    this.#pageSize = options.pageSize ?? 100;
    this.#maxConflictRetries = options.maxConflictRetries ?? 5;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Nothing is left to start: the kubeconfig (or the pod's service account) is loaded and checked
   * when the provider is built, and the client connects per request. Resolves at once, sends no
   * request, and may be called any number of times, so that `await provider.initialize()` holds
   * for every provider.
   */
  async initialize(): Promise<void> {}

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    const location = this.#locate(key);
    const secret = await this.#read(location, key, options.abortSignal);
    if (!secret) return null;
    const info = this.#entryInfo(secret, location, key);
    if (!info) return null;
    if (options.version !== undefined && options.version !== info.version)
      throw new UnsupportedOperationError(
        this.name,
        'versions',
        `provider '${this.name}' keeps no versions: Kubernetes stores only the current Secret`,
      );
    return createSecret({ ...info, value: this.#valueOf(secret, location) });
  }

  /** Reads each Secret once, however many of its keys are asked for. */
  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    const located = keys.map((key) => ({ key, location: this.#locate(key) }));
    const firstOf = new Map<string, { key: string; location: Location }>();
    for (const item of located)
      if (!firstOf.has(item.location.secretName)) firstOf.set(item.location.secretName, item);
    const secrets = new Map<string, V1Secret | undefined>();
    // A few reads at a time, so that a large batch does not open hundreds of connections.
    await mapConcurrent([...firstOf.values()], BATCH_CONCURRENCY, async (item) =>
      secrets.set(item.location.secretName, await this.#read(item.location, item.key, options.abortSignal)),
    );
    const result = new Map<string, Secret | null>();
    for (const { key, location } of located) {
      const secret = secrets.get(location.secretName);
      const info = secret && this.#entryInfo(secret, location, key);
      result.set(
        key,
        secret && info ? createSecret({ ...info, value: this.#valueOf(secret, location) }) : null,
      );
    }
    return result;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    const location = this.#locate(key);
    if (options.tags) validateTags(options.tags);
    const data =
      this.mode === 'secret' ? wholeSecretData(key, value) : { [location.entry]: encodeValue(value) };
    const meta = (previous?: EntryMeta): EntryMeta => {
      const next: EntryMeta = { updatedAt: new Date().toISOString() };
      if (options.expiresAt) next.expiresAt = options.expiresAt.toISOString();
      const metadata = options.metadata ?? previous?.metadata;
      if (metadata && Object.keys(metadata).length) next.metadata = { ...metadata };
      const scope = options.scope ?? previous?.scope;
      if (scope !== undefined) next.scope = scope;
      return next;
    };
    const written = await this.#update(
      location,
      key,
      'update',
      options.expectedVersion,
      options.abortSignal,
      (current) => {
        if (!current) {
          if (options.expectedVersion !== undefined && options.expectedVersion !== '0')
            throw new VersionConflictError(key);
          const annotations: Record<string, string> = {};
          if (location.secretName !== location.path) annotations[PATH_ANNOTATION] = location.path;
          writeEntries(annotations, { [location.entry]: meta() });
          return {
            kind: 'create',
            body: {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: {
                name: location.secretName,
                ...(options.tags ? { labels: { ...options.tags } } : {}),
                annotations,
              },
              type: OPAQUE,
              data,
            },
          };
        }
        if (options.expectedVersion !== undefined) {
          const exists = this.mode === 'secret' || Object.hasOwn(current.data ?? {}, location.entry);
          const matches =
            options.expectedVersion === '0'
              ? !exists
              : exists && options.expectedVersion === current.metadata?.resourceVersion;
          if (!matches) throw new VersionConflictError(key);
        }
        const entries = readEntries(current);
        const body: V1Secret = {
          ...current,
          metadata: { ...current.metadata, annotations: { ...(current.metadata?.annotations ?? {}) } },
          data: this.mode === 'secret' ? data : { ...(current.data ?? {}), ...data },
        };
        delete body.stringData;
        if (options.tags) body.metadata!.labels = { ...options.tags };
        if (this.mode === 'secret')
          for (const k of Object.keys(entries)) if (k !== WHOLE_SECRET_ENTRY) delete entries[k];
        entries[location.entry] = meta(entries[location.entry]);
        writeEntries(body.metadata!.annotations!, entries);
        return { kind: 'replace', body };
      },
    );
    return this.#entryInfo(written!, location, key)!;
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    const location = this.#locate(key);
    let deleted = false;
    await this.#update(location, key, 'delete', undefined, options.abortSignal, (current) => {
      deleted = false;
      if (!current) return { kind: 'none' };
      const data = current.data ?? {};
      if (this.mode === 'key' && !Object.hasOwn(data, location.entry)) return { kind: 'none' };
      deleted = true;
      const rest = Object.keys(data).filter((k) => k !== location.entry);
      if (this.mode === 'secret' || rest.length === 0)
        return { kind: 'delete', resourceVersion: current.metadata!.resourceVersion! };
      const entries = readEntries(current);
      delete entries[location.entry];
      const annotations = { ...(current.metadata?.annotations ?? {}) };
      writeEntries(annotations, entries);
      const body: V1Secret = {
        ...current,
        metadata: { ...current.metadata, annotations },
        data: Object.fromEntries(rest.map((k) => [k, data[k]!])),
      };
      return { kind: 'replace', body };
    });
    return deleted;
  }

  /** Every hush secret of the namespace (Opaque Secrets only), paging with `limit`/`continue`. */
  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const out: SecretInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#request('list', undefined, options.abortSignal, (api) =>
        api.listNamespacedSecret({
          namespace: this.namespace,
          limit: this.#pageSize,
          ...(token ? { _continue: token } : {}),
          ...(this.#labelSelector ? { labelSelector: this.#labelSelector } : {}),
        }),
      );
      for (const secret of page.items) {
        if ((secret.type ?? OPAQUE) !== OPAQUE) continue;
        const path = pathOfSecret(secret);
        if (path === undefined) continue;
        const entries = this.mode === 'secret' ? [WHOLE_SECRET_ENTRY] : Object.keys(secret.data ?? {});
        for (const entry of entries) {
          const key = nameOfEntry(path, entry, this.mode, this.#defaultKey);
          if (options.prefix && !key.startsWith(options.prefix)) continue;
          out.push(infoOf(secret, key, entry, this.name));
        }
      }
      token = page.metadata?._continue || undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    try {
      await this.#request(
        'list',
        undefined,
        options.abortSignal,
        (api) => api.listNamespacedSecret({ namespace: this.namespace, limit: 1 }),
        0,
      );
      return { status: 'healthy', details: { namespace: this.namespace, server: this.#server } };
    } catch (error) {
      return {
        status: 'unhealthy',
        message: (error as Error).message,
        details: { namespace: this.namespace, server: this.#server },
      };
    }
  }

  /** `conflictRetries`: replaces retried after a 409; `conflictsExhausted`: writes that gave up; `throttled`: 429 answers. */
  metrics(): Record<string, number> {
    return { ...this.#counters };
  }

  #locate(key: string): Location {
    return locate(key, this.mode, this.#defaultKey);
  }

  #valueOf(secret: V1Secret, location: Location): string {
    return this.mode === 'secret' ? wholeSecretValue(secret) : decodeValue(secret.data![location.entry]!);
  }

  #entryInfo(secret: V1Secret, location: Location, key: string): SecretInfo | undefined {
    if (this.mode === 'key' && !Object.hasOwn(secret.data ?? {}, location.entry)) return undefined;
    return infoOf(secret, key, location.entry, this.name);
  }

  /** The Secret for a location, or undefined when it is missing or belongs to another path (hash collision). */
  async #read(
    location: Location,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<V1Secret | undefined> {
    try {
      const secret = await this.#request('get', key, signal, (api) =>
        api.readNamespacedSecret({ name: location.secretName, namespace: this.namespace }),
      );
      return holdsPath(secret, location.path) ? secret : undefined;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Read, change, write with the read resourceVersion; a 409 (someone else wrote in between,
   * or created the Secret first) starts over, up to `maxConflictRetries` times. With an
   * `expectedVersion` the caller asked for compare-and-set, so a conflict is final.
   */
  async #update(
    location: Location,
    key: string,
    verb: 'update' | 'delete',
    expectedVersion: string | undefined,
    signal: AbortSignal | undefined,
    change: (current: V1Secret | undefined) => Change,
  ): Promise<V1Secret | undefined> {
    return this.#exclusive(location.secretName, async () => {
      for (let attempt = 0; ; attempt++) {
        const current = await this.#readForWrite(location, key, signal);
        const next = change(current);
        try {
          switch (next.kind) {
            case 'none':
              return current;
            case 'create':
              return await this.#request(
                'create',
                key,
                signal,
                (api) => api.createNamespacedSecret({ namespace: this.namespace, body: next.body }),
                undefined,
                true,
              );
            case 'replace':
              return await this.#request(
                'update',
                key,
                signal,
                (api) =>
                  api.replaceNamespacedSecret({
                    name: location.secretName,
                    namespace: this.namespace,
                    body: next.body,
                  }),
                undefined,
                true,
              );
            case 'delete':
              await this.#request(
                'delete',
                key,
                signal,
                (api) =>
                  api.deleteNamespacedSecret({
                    name: location.secretName,
                    namespace: this.namespace,
                    body: { preconditions: { resourceVersion: next.resourceVersion } },
                  }),
                undefined,
                true,
              );
              return undefined;
          }
        } catch (error) {
          const code = statusCodeOf(error);
          // 409: stale resourceVersion or created meanwhile; 404 on replace/delete: deleted meanwhile.
          const raced = code === 409 || (code === 404 && next.kind !== 'create');
          if (!raced) throw toHushError(error, this.#context(verb, key));
          if (expectedVersion !== undefined) throw new VersionConflictError(key);
          if (attempt >= this.#maxConflictRetries) {
            this.#counters.conflictsExhausted++;
            throw new VersionConflictError(
              key,
              `secret '${key}' kept changing concurrently: gave up after ${attempt + 1} attempts`,
            );
          }
          this.#counters.conflictRetries++;
          await sleep(Math.random() * 20 * (attempt + 1), undefined, signal ? { signal } : undefined);
        }
      }
    });
  }

  async #readForWrite(
    location: Location,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<V1Secret | undefined> {
    try {
      const secret = await this.#request('get', key, signal, (api) =>
        api.readNamespacedSecret({ name: location.secretName, namespace: this.namespace }),
      );
      if (!holdsPath(secret, location.path))
        throw new ProviderError(
          this.name,
          `Secret '${location.secretName}' in namespace '${this.namespace}' belongs to another name; refusing to overwrite it`,
        );
      return secret;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #exclusive<T>(secretName: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(secretName) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.#locks.set(secretName, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(secretName) === settled) this.#locks.delete(secretName);
    }
  }

  #context(verb: string, key?: string) {
    return {
      provider: this.name,
      namespace: this.namespace,
      server: this.#server,
      verb,
      ...(key ? { key } : {}),
    };
  }

  /**
   * One API call with a timeout and retries of throttled (429) answers (core's full-jitter
   * retry, honouring the server's Retry-After). 404 and 409 are passed through raw for the
   * caller to interpret (`raw`), other failures become hush errors. The call gets a signal
   * that aborts on the timeout and with the caller's.
   */
  async #request<T>(
    verb: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    call: (api: CoreV1Api) => Promise<T>,
    maxRetries = this.#maxRetries,
    raw = false,
  ): Promise<T> {
    try {
      return await retry(
        () => {
          this.#counters.requests++;
          return withTimeout((timeoutSignal) => call(this.#apiFor(timeoutSignal)), this.#timeoutMs, {
            provider: this.name,
            ...(signal ? { abortSignal: signal } : {}),
          });
        },
        {
          attempts: maxRetries + 1,
          baseDelayMs: 250,
          maxDelayMs: 5_000,
          retryable: (error) => statusCodeOf(error) === 429,
          delayMs: (error) => retryAfterMs(error),
          onRetry: () => {
            this.#counters.throttled++;
            this.#counters.retries++;
          },
          ...(signal ? { abortSignal: signal } : {}),
        },
      );
    } catch (error) {
      const code = statusCodeOf(error);
      if (code === 429) this.#counters.throttled++;
      if (code === 404 || (raw && code === 409)) throw error;
      if (error instanceof HushError) throw error;
      throw toHushError(error, this.#context(verb, key));
    }
  }

  /** The API with `signal` set on every request it sends (client-node's fetch takes it). */
  #apiFor(signal: AbortSignal): CoreV1Api {
    const options = {
      middleware: [
        // The object API runs its middleware as (its stub of) observables.
        {
          pre: (context: RequestContext) => {
            context.setSignal(signal);
            return new Observable(Promise.resolve(context));
          },
          post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
        },
      ],
      middlewareMergeStrategy: 'append' as const,
    };
    return new Proxy(this.#api, {
      get(target, property, receiver) {
        const member = Reflect.get(target, property, receiver) as unknown;
        if (typeof member !== 'function') return member;
        return (param: unknown) =>
          (member as (p: unknown, o: unknown) => unknown).call(target, param, options);
      },
    });
  }
}
