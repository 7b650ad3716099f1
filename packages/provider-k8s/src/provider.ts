import {
  type ExternalSecretsBackend,
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
  ValidationError,
} from '@hush/core';
import { type Cluster, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, namespaceOf } from './auth.js';
import { kubernetesExternalSecrets } from './external-secrets.js';
import { listSecrets } from './listing.js';
import type { MappingMode } from './mapping.js';
import { getManySecrets, getSecret } from './reads.js';
import { createRequest } from './requests.js';
import { type Counters, errorContext, type K8sSession } from './session.js';
import { deleteSecret, setSecret } from './writes.js';

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
  readonly #session: K8sSession;
  readonly #cluster: Cluster | null;
  readonly #counters: Counters = {
    conflictRetries: 0,
    conflictsExhausted: 0,
    throttled: 0,
    retries: 0,
    requests: 0,
  };

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
    this.#cluster = kc.getCurrentCluster();
    const server = this.#cluster?.server ?? '(unknown server)';
    const api = kc.makeApiClient(CoreV1Api);
    this.mode = options.mode ?? 'key';
    if (this.mode !== 'key' && this.mode !== 'secret')
      throw new ValidationError(`mode must be 'key' or 'secret'`);
    const session: K8sSession = {
      name: this.name,
      namespace: this.namespace,
      server,
      mode: this.mode,
      defaultKey: options.defaultKey ?? 'value',
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      pageSize: options.pageSize ?? 100,
      maxConflictRetries: options.maxConflictRetries ?? 5,
      counters: this.#counters,
      locks: new Map(),
      request: createRequest(api, {
        name: this.name,
        maxRetries: options.maxRetries ?? 2,
        timeoutMs: options.timeoutMs ?? 10_000,
        counters: this.#counters,
        context: (verb, key) => errorContext(session, verb, key),
      }),
    };
    this.#session = session;
  }

  /**
   * Nothing is left to start: the kubeconfig (or the pod's service account) is loaded and checked
   * when the provider is built, and the client connects per request. Resolves at once, sends no
   * request, and may be called any number of times, so that `await provider.initialize()` holds
   * for every provider.
   */
  async initialize(): Promise<void> {}

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    return getSecret(this.#session, key, options);
  }

  /** Reads each Secret once, however many of its keys are asked for. */
  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    return getManySecrets(this.#session, keys, options);
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    return setSecret(this.#session, key, value, options);
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    return deleteSecret(this.#session, key, options);
  }

  /** Every hush secret of the namespace (Opaque Secrets only), paging with `limit`/`continue`. */
  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    return listSecrets(this.#session, options);
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const { namespace, server } = this.#session;
    try {
      await this.#session.request(
        'list',
        undefined,
        options.abortSignal,
        (api) => api.listNamespacedSecret({ namespace, limit: 1 }),
        0,
      );
      return { status: 'healthy', details: { namespace, server } };
    } catch (error) {
      return { status: 'unhealthy', message: (error as Error).message, details: { namespace, server } };
    }
  }

  /** External Secrets Operator's Kubernetes provider for this namespace and server; each name's Secret and key. */
  async externalSecrets(): Promise<ExternalSecretsBackend> {
    const { namespace, mode, defaultKey } = this.#session;
    return kubernetesExternalSecrets({ cluster: this.#cluster, namespace, mode, defaultKey });
  }

  /** `conflictRetries`: replaces retried after a 409; `conflictsExhausted`: writes that gave up; `throttled`: 429 answers. */
  metrics(): Record<string, number> {
    return { ...this.#counters };
  }
}
