import { randomBytes } from 'node:crypto';
import { FaultInjector } from '../faults.js';
import { startHttpEndpoint } from '../server/http.js';
import type { EmulatorBaseOptions } from '../service-types.js';
import { type KubernetesTokenGrant, type SecretVerb, TokenAuthority } from './auth.js';
import { type KubeConfigOptions, kubeconfigYaml } from './kubeconfig.js';
import { toWire } from './objects.js';
import { createRouter, type KubernetesOperation } from './routes.js';
import { KubernetesState } from './state.js';

export type { KubeConfigOptions, KubernetesOperation, KubernetesTokenGrant };
export type KubernetesSecretVerb = SecretVerb;

export interface KubernetesEmulatorOptions extends EmulatorBaseOptions {
  /** Namespaces that exist (default `['default']`). Creating in another one is a 404, as on a cluster. */
  namespaces?: string[];
  /**
   * Bearer tokens and what each may do. Default: one generated token for user `admin`
   * allowed everything, returned as `token`.
   */
  tokens?: Record<string, KubernetesTokenGrant>;
  /** Serve HTTPS with a certificate generated at start (its PEM is returned as `ca`). */
  https?: boolean;
}

export interface KubernetesEmulator {
  url: string;
  /** A token allowed everything (the first of `tokens` when they are given). */
  token: string;
  /** PEM certificate to trust when `https` is on. */
  ca?: string;
  faults: FaultInjector;
  /** Requests served, by operation; `total` counts every request, faulted ones included. */
  calls: Record<KubernetesOperation | 'total', number>;
  stop(): Promise<void>;
  /** Makes a namespace exist. */
  createNamespace(name: string): void;
  /** Adds (or replaces) a bearer token. */
  addToken(token: string, grant: KubernetesTokenGrant): void;
  /**
   * Test hook: changes the Secret's resourceVersion behind every client's back, as a
   * concurrent writer would, so that a replace carrying the old one gets 409 Conflict.
   * Returns the new resourceVersion.
   */
  bumpResourceVersion(namespace: string, name: string): string;
  /** Test hook: after each of the next `times` GETs of this Secret, bump its resourceVersion. */
  staleAfterRead(namespace: string, name: string, times?: number): void;
  /** The stored Secret as the API would return it (test inspection), or undefined. */
  getSecret(namespace: string, name: string): Record<string, unknown> | undefined;
  /** `loadFromOptions` input for @kubernetes/client-node, for a token (default `token`). */
  kubeConfigOptions(options?: { token?: string; namespace?: string }): KubeConfigOptions;
  /** The same as a kubeconfig YAML document, to write to a file for `KUBECONFIG`. */
  kubeconfigYaml(options?: { token?: string; namespace?: string }): string;
}

/** Starts a local server speaking the core/v1 Secret API of a Kubernetes API server. */
export async function startKubernetesEmulator(
  options: KubernetesEmulatorOptions = {},
): Promise<KubernetesEmulator> {
  const tokens = options.tokens ?? {
    [`hush-${randomBytes(16).toString('hex')}`]: { user: 'admin', namespaces: '*' },
  };
  const adminToken =
    Object.entries(tokens).find(([, g]) => (g.namespaces ?? '*') === '*' && !g.verbs)?.[0] ??
    Object.keys(tokens)[0] ??
    '';
  const state = new KubernetesState(options.namespaces ?? ['default'], options.snapshotFile, options.now);
  const auth = new TokenAuthority(tokens);
  const faults = new FaultInjector(options.faults, options.random);
  const calls = { total: 0, get: 0, list: 0, create: 0, replace: 0, patch: 0, delete: 0 };
  const staleAfterRead = new Map<string, number>();

  const bump = (namespace: string, name: string): string => {
    const secret = state.get(namespace, name);
    if (!secret) throw new Error(`no Secret ${namespace}/${name} to bump`);
    return state.put(secret).metadata.resourceVersion;
  };

  const handle = createRouter({ state, auth, faults, calls, staleAfterRead, bump });
  const endpoint = await startHttpEndpoint({
    ...options,
    tls: options.https ? { commonName: 'hush Kubernetes emulator' } : false,
    handler: (req, res) => void handle(req, res),
  });
  const { url, ca } = endpoint;

  const kubeConfigOptions = (o: { token?: string; namespace?: string } = {}): KubeConfigOptions => ({
    clusters: [
      {
        name: 'hush-emulator',
        server: url,
        ...(ca ? { caData: Buffer.from(ca).toString('base64') } : { skipTLSVerify: true }),
      },
    ],
    users: [{ name: 'hush-emulator', token: o.token ?? adminToken }],
    contexts: [
      {
        name: 'hush-emulator',
        cluster: 'hush-emulator',
        user: 'hush-emulator',
        ...(o.namespace ? { namespace: o.namespace } : {}),
      },
    ],
    currentContext: 'hush-emulator',
  });

  return {
    url,
    token: adminToken,
    ...(ca ? { ca } : {}),
    faults,
    calls,
    stop: endpoint.stop,
    createNamespace: (name) => void state.namespaces.add(name),
    addToken: (token, grant) => auth.add(token, grant),
    bumpResourceVersion: bump,
    staleAfterRead: (namespace, name, times = 1) => void staleAfterRead.set(`${namespace}/${name}`, times),
    getSecret: (namespace, name) => {
      const secret = state.get(namespace, name);
      return secret ? toWire(secret) : undefined;
    },
    kubeConfigOptions,
    kubeconfigYaml: (o = {}) => kubeconfigYaml(kubeConfigOptions(o)),
  };
}
