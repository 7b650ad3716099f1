import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '@hush/core';
import { KubeConfig } from '@kubernetes/client-node';

/** Where Kubernetes mounts a pod's service account: `token`, `ca.crt` and `namespace`. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  /** A kubeconfig file path (relative to `root`) or a ready KubeConfig. */
  kubeconfig?: string | KubeConfig;
  /** A context of the kubeconfig other than its current one. */
  context?: string;
  root: string;
  env: Record<string, string | undefined>;
  /** The pod's service account mount (default {@link SERVICE_ACCOUNT_DIR}). */
  serviceAccountDir?: string;
}

/**
 * The in-cluster connection, as the client's `loadFromCluster()` builds it, but from `env` rather
 * than process.env (so a plugin context's environment is honoured) and from `dir`. The token is
 * read from its file at each request (`tokenFile`), since Kubernetes rotates it.
 */
function loadInCluster(kc: KubeConfig, env: Record<string, string | undefined>, dir: string): void {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  kc.loadFromOptions({
    clusters: [
      {
        name: 'inCluster',
        server: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
        caFile: join(dir, 'ca.crt'),
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } },
      },
    ],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        ...(namespace ? { namespace } : {}),
      },
    ],
    currentContext: 'inClusterContext',
  });
}

const isKubeConfig = (value: unknown): value is KubeConfig =>
  typeof value === 'object' && value !== null && typeof (value as KubeConfig).makeApiClient === 'function';

function loadFile(kc: KubeConfig, file: string): void {
  if (!existsSync(file)) throw new ConfigError(`kubeconfig file not found: ${file}`, { path: 'kubeconfig' });
  try {
    kc.loadFromFile(file);
  } catch (error) {
    // A YAML error's message quotes the lines around the fault, which may hold a token or a key:
    // keep only the reason and the position.
    const e = error as { reason?: unknown; mark?: { line?: number; column?: number }; code?: unknown };
    const where = e.mark ? ` at line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1}` : '';
    const reason = e.mark
      ? String(e.reason ?? 'invalid YAML')
      : String((error as Error).message ?? 'not a valid kubeconfig').split('\n')[0];
    throw new ConfigError(`cannot read kubeconfig ${file}: ${reason}${where}`, { path: 'kubeconfig' });
  }
}

/**
 * Finds the cluster connection as kubectl does: the `kubeconfig` option, else `KUBECONFIG`
 * (several files joined by the path delimiter are merged), else `~/.kube/config`, else the
 * in-cluster service account (`KUBERNETES_SERVICE_HOST` and the mounted token).
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  let kc: KubeConfig;
  if (isKubeConfig(source.kubeconfig)) {
    kc = source.kubeconfig;
  } else {
    kc = new KubeConfig();
    const fromEnv = (source.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    const home = source.env.HOME || homedir();
    const defaultFile = join(home, '.kube', 'config');
    if (typeof source.kubeconfig === 'string') {
      loadFile(
        kc,
        isAbsolute(source.kubeconfig) ? source.kubeconfig : resolve(source.root, source.kubeconfig),
      );
    } else if (fromEnv.length > 0) {
      loadFile(kc, fromEnv[0]!);
      for (const file of fromEnv.slice(1)) {
        if (!existsSync(file)) continue;
        const more = new KubeConfig();
        loadFile(more, file);
        kc.mergeConfig(more);
      }
    } else if (existsSync(defaultFile)) {
      loadFile(kc, defaultFile);
    } else if (
      source.env.KUBERNETES_SERVICE_HOST &&
      existsSync(join(source.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token'))
    ) {
      loadInCluster(kc, source.env, source.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
    } else {
      throw new ConfigError('no Kubernetes configuration found', {
        path: 'kubeconfig',
        hint: 'set KUBECONFIG, create ~/.kube/config, run inside a cluster, or pass the kubeconfig option',
      });
    }
  }
  if (source.context) {
    if (!kc.getContextObject(source.context))
      throw new ConfigError(`kubeconfig has no context '${source.context}'`, { path: 'context' });
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster())
    throw new ConfigError(`kubeconfig context '${kc.getCurrentContext()}' names no cluster`, {
      path: 'kubeconfig',
    });
  return kc;
}

/** The namespace option, else the current context's (the service account's in a cluster), else `default`. */
export function namespaceOf(kc: KubeConfig, explicit?: string): string {
  if (explicit) return explicit;
  return kc.getContextObject(kc.getCurrentContext())?.namespace?.trim() || 'default';
}
