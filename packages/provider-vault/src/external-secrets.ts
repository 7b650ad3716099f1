import type { ExternalSecretsBackend } from '@hush/core';
import type { VaultAuthOptions } from './auth.js';

export interface VaultLocation {
  address: string;
  namespace?: string;
  mount: string;
  pathPrefix: string;
  auth: VaultAuthOptions;
}

/**
 * External Secrets Operator's Vault provider for this KV v2 mount: the same address, namespace,
 * mount and folder, and the login the provider uses. Credentials stay in the cluster: a token
 * or AppRole secret_id is referenced from a Kubernetes Secret the operator creates.
 */
export function vaultExternalSecrets(location: VaultLocation): ExternalSecretsBackend {
  const under = location.pathPrefix.replace(/^\/+|\/+$/g, '');
  return {
    provider: {
      vault: {
        server: location.address,
        path: location.mount.replace(/^\/+|\/+$/g, ''),
        version: 'v2',
        ...(location.namespace ? { namespace: location.namespace } : {}),
        auth: esoAuth(location.auth),
      },
    },
    // hush keeps a value under `value` in the KV entry.
    remoteRef: (name) => ({ key: under ? `${under}/${name}` : name, property: 'value' }),
  };
}

function esoAuth(auth: VaultAuthOptions): Record<string, unknown> {
  switch (auth.method) {
    case 'kubernetes':
      return { kubernetes: { mountPath: auth.mount ?? 'kubernetes', role: auth.role } };
    case 'approle':
      return {
        appRole: {
          path: auth.mount ?? 'approle',
          roleId: auth.roleId,
          secretRef: { name: 'hush-vault-approle', key: 'secret-id' },
        },
      };
    default:
      return { tokenSecretRef: { name: 'hush-vault-token', key: 'token' } };
  }
}
