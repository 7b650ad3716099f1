import { ConfigError, optionNames } from '@hush/core';
import type { VaultAuthOptions } from './auth.js';

export interface VaultProviderOptions {
  /** Instance name used in errors and pins. Default `vault`. */
  name?: string;
  /** Vault's address. Default `VAULT_ADDR`, then `http://127.0.0.1:8200`. */
  address?: string;
  /** Enterprise namespace (`X-Vault-Namespace`). Default `VAULT_NAMESPACE`. */
  namespace?: string;
  /** Shorthand for `auth: { method: 'token', token }`. */
  token?: string;
  /**
   * Default: a token from `VAULT_TOKEN`; else AppRole when `VAULT_ROLE_ID` (and `VAULT_SECRET_ID`)
   * are set.
   */
  auth?: VaultAuthOptions;
  /** KV v2 mount. Default `secret`. */
  mount?: string;
  /** Folder under the mount that holds hush's names (`apps/web` → `secret/data/apps/web/<name>`). Default none. */
  pathPrefix?: string;
  /** Per-request timeout: milliseconds or a duration such as `'5s'`. Default 10 s. */
  requestTimeout?: number | string;
  /** Extra attempts after a 5xx, a 429 or a connection failure. Default 3. */
  retries?: number;
  /** First backoff delay in ms (doubled each attempt, full jitter). Default 100. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling in ms. Default 2000. */
  retryMaxDelayMs?: number;
  /** Renew the token when this share of its TTL has passed. Default 2/3. */
  renewFraction?: number;
  /** Metadata reads in flight while listing. Default 8. */
  listConcurrency?: number;
  /** TLS settings passed to node-vault (`ca`, `cert`, `key`, `strictSSL`). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; strictSSL?: boolean };
  /** Where bootstrap variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Relative paths (the Kubernetes JWT file) are resolved from here. Default the working directory. */
  root?: string;
  /**
   * Names that are Vault paths of dynamic secrets (globs such as `database/creds/*`): each read
   * is a new credential under a lease (its data as JSON: `#username`, `#password`), read-only.
   * Default none.
   */
  dynamic?: string[];
  /** The clock lease expiries are computed with, in epoch ms (default `Date.now`); for tests. */
  now?: () => number;
}

/** Every option the constructor takes: another is refused, never ignored. */
export const OPTION_NAMES = optionNames<VaultProviderOptions>()({
  name: true,
  address: true,
  namespace: true,
  token: true,
  auth: true,
  mount: true,
  pathPrefix: true,
  dynamic: true,
  now: true,
  requestTimeout: true,
  retries: true,
  retryBaseDelayMs: true,
  retryMaxDelayMs: true,
  renewFraction: true,
  listConcurrency: true,
  tls: true,
  env: true,
  root: true,
});

/** The login the options and the environment ask for: a token, AppRole, or Kubernetes. */
export function resolveAuth(
  options: VaultProviderOptions,
  env: Record<string, string | undefined>,
): VaultAuthOptions {
  if (options.auth) {
    const auth = { ...options.auth };
    if (auth.method === 'token') auth.token ??= options.token ?? env.VAULT_TOKEN;
    if (auth.method === 'approle' && !auth.roleId)
      throw new ConfigError('AppRole auth needs a roleId', { path: 'auth.roleId' });
    if (auth.method === 'kubernetes' && !auth.role)
      throw new ConfigError('Kubernetes auth needs a role', { path: 'auth.role' });
    return auth;
  }
  if (options.token ?? env.VAULT_TOKEN) return { method: 'token', token: options.token ?? env.VAULT_TOKEN };
  if (env.VAULT_ROLE_ID) {
    return {
      method: 'approle',
      roleId: env.VAULT_ROLE_ID,
      ...(env.VAULT_SECRET_ID ? { secretId: env.VAULT_SECRET_ID } : {}),
    };
  }
  return { method: 'token' };
}
