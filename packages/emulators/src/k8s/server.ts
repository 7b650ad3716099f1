import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { FaultInjector, type FaultOptions } from '../faults.js';
import { close, listen } from '../listen.js';
import { createCertificate } from '../tls.js';
import { type KubernetesTokenGrant, type SecretVerb, TokenAuthority } from './auth.js';
import { toWire } from './objects.js';
import { createRouter, type KubernetesOperation } from './routes.js';
import { KubernetesState } from './state.js';

export type { KubernetesOperation, KubernetesTokenGrant };
export type KubernetesSecretVerb = SecretVerb;

export interface KubernetesEmulatorOptions {
  port?: number;
  host?: string;
  /** Namespaces that exist (default `['default']`). Creating in another one is a 404, as on a cluster. */
  namespaces?: string[];
  /**
   * Bearer tokens and what each may do. Default: one generated token for user `admin`
   * allowed everything, returned as `token`.
   */
  tokens?: Record<string, KubernetesTokenGrant>;
  /** Serve HTTPS with a certificate generated at start (its PEM is returned as `ca`). */
  https?: boolean;
  faults?: FaultOptions;
  /** Random source for fault rates (pass a seeded one for a reproducible sequence). Default Math.random. */
  random?: () => number;
  /** Keep state in this JSON file across restarts. */
  snapshotFile?: string;
}

/** Options for `KubeConfig.loadFromOptions` of @kubernetes/client-node. */
export interface KubeConfigOptions {
  clusters: { name: string; server: string; skipTLSVerify?: boolean; caData?: string }[];
  users: { name: string; token: string }[];
  contexts: { name: string; cluster: string; user: string; namespace?: string }[];
  currentContext: string;
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
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens ?? {
    [`hush-${randomBytes(16).toString('hex')}`]: { user: 'admin', namespaces: '*' },
  };
  const adminToken =
    Object.entries(tokens).find(([, g]) => (g.namespaces ?? '*') === '*' && !g.verbs)?.[0] ??
    Object.keys(tokens)[0] ??
    '';
  const state = new KubernetesState(options.namespaces ?? ['default'], options.snapshotFile);
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
  let server: Server;
  let ca: string | undefined;
  if (options.https) {
    const { key, cert } = await createCertificate('hush Kubernetes emulator', [host]);
    ca = cert;
    server = createHttpsServer({ key, cert }, (req, res) => void handle(req, res)) as unknown as Server;
  } else {
    server = createHttpServer((req, res) => void handle(req, res));
  }
  const port = await listen(server, options.port ?? 0, host);
  const url = `${options.https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

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
    stop: () => close(server),
    createNamespace: (name) => void state.namespaces.add(name),
    addToken: (token, grant) => auth.add(token, grant),
    bumpResourceVersion: bump,
    staleAfterRead: (namespace, name, times = 1) => void staleAfterRead.set(`${namespace}/${name}`, times),
    getSecret: (namespace, name) => {
      const secret = state.get(namespace, name);
      return secret ? toWire(secret) : undefined;
    },
    kubeConfigOptions,
    kubeconfigYaml: (o = {}) => {
      const c = kubeConfigOptions(o);
      const cluster = c.clusters[0]!;
      const context = c.contexts[0]!;
      return [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: ${cluster.name}`,
        '  cluster:',
        `    server: ${JSON.stringify(cluster.server)}`,
        cluster.caData
          ? `    certificate-authority-data: ${cluster.caData}`
          : '    insecure-skip-tls-verify: true',
        'users:',
        `- name: ${c.users[0]!.name}`,
        '  user:',
        `    token: ${JSON.stringify(c.users[0]!.token)}`,
        'contexts:',
        `- name: ${context.name}`,
        '  context:',
        `    cluster: ${context.cluster}`,
        `    user: ${context.user}`,
        ...(context.namespace ? [`    namespace: ${context.namespace}`] : []),
        `current-context: ${c.currentContext}`,
        '',
      ].join('\n');
    },
  };
}
