import { readFile } from 'node:fs/promises';
import type { ExternalSecretsBackend } from '@hush/core';
import type { Cluster } from '@kubernetes/client-node';
import { locate, type MappingMode, WHOLE_SECRET_ENTRY } from './mapping.js';

/** The service account External Secrets Operator logs in as (one the operator creates, with `get` on Secrets). */
export const ESO_SERVICE_ACCOUNT = 'hush-eso';

export interface KubernetesLocation {
  /** The cluster the provider talks to (its server and CA). */
  cluster: Cluster | null;
  namespace: string;
  mode: MappingMode;
  defaultKey: string;
}

/**
 * External Secrets Operator's Kubernetes provider for the namespace this provider reads: the same
 * API server, with its CA as `caBundle` (a public certificate, from the kubeconfig or the pod's
 * service account), logging in as the service account `hush-eso` (ESO requests its token; no
 * credential goes in the manifest). Each name's remoteRef is the Secret and, in `key` mode, the
 * data key that holds it; in `secret` mode the whole Secret, which ESO hands over as the JSON of
 * its keys, as this provider reads it.
 */
export async function kubernetesExternalSecrets(
  location: KubernetesLocation,
): Promise<ExternalSecretsBackend> {
  const caBundle = await caBundleOf(location.cluster);
  return {
    provider: {
      kubernetes: {
        remoteNamespace: location.namespace,
        server: {
          ...(location.cluster?.server ? { url: location.cluster.server } : {}),
          ...(caBundle ? { caBundle } : {}),
        },
        auth: { serviceAccount: { name: ESO_SERVICE_ACCOUNT } },
      },
    },
    remoteRef: (name) => {
      const where = locate(name, location.mode, location.defaultKey);
      return where.entry === WHOLE_SECRET_ENTRY
        ? { key: where.secretName }
        : { key: where.secretName, property: where.entry };
    },
  };
}

/** The cluster's CA certificate, base64 as ESO's `caBundle` takes it; none for a cluster without one. */
async function caBundleOf(cluster: Cluster | null): Promise<string | undefined> {
  if (!cluster || cluster.skipTLSVerify) return undefined;
  if (cluster.caData) return cluster.caData;
  if (cluster.caFile) return (await readFile(cluster.caFile)).toString('base64');
  return undefined;
}
