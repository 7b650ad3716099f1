import type { ExternalSecretsBackend } from '@hush/core';
import { toEnvName } from './util.js';

export interface ManifestOptions {
  /** metadata.name of the SecretStore (or ClusterSecretStore). */
  store: string;
  /** A ClusterSecretStore instead of a namespaced SecretStore. */
  cluster: boolean;
  /** metadata.name of the ExternalSecret and of the Kubernetes Secret it makes. */
  name: string;
  /** ESO's refreshInterval, a Go duration (`1h`, `90m`). */
  refreshInterval: string;
  namespace?: string;
}

/**
 * External Secrets Operator manifests: a SecretStore pointing at the backend and an
 * ExternalSecret mapping each name to a key of the Kubernetes Secret ESO keeps in sync. No value
 * is inside: ESO reads them from the backend itself.
 */
export function externalSecretManifests(
  backend: ExternalSecretsBackend,
  names: string[],
  options: ManifestOptions,
): Array<Record<string, unknown>> {
  const metadata = (name: string) => ({
    name,
    ...(options.namespace && !(options.cluster && name === options.store)
      ? { namespace: options.namespace }
      : {}),
  });
  const kind = options.cluster ? 'ClusterSecretStore' : 'SecretStore';
  const store = {
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: metadata(options.store),
    spec: { provider: backend.provider },
  };
  const externalSecret = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: metadata(options.name),
    spec: {
      refreshInterval: options.refreshInterval,
      secretStoreRef: { name: options.store, kind },
      target: { name: options.name, creationPolicy: 'Owner' },
      data: names.map((name) => ({ secretKey: toEnvName(name), remoteRef: backend.remoteRef(name) })),
    },
  };
  return [store, externalSecret];
}

/** Milliseconds as a Go duration, which ESO's refreshInterval takes (`1h`, `1h30m`, `45s`). */
export function goDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const text = `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}`;
  return text || '0s';
}
