import { randomUUID } from 'node:crypto';
import type { FaultInjector } from '../faults.js';
import type { EmulatorBaseOptions } from '../service-types.js';
import { type Capability, parseDurationSeconds, parsePolicy } from './auth.js';
import { applyAppRoleSettings, applyKubernetesRoleSettings } from './auth-routes.js';
import { newDatabaseMount } from './database-routes.js';
import type { RouterSettings } from './responses.js';
import type { VaultState } from './state.js';

/** A duration as Vault takes it: seconds, or text such as `'1h'`, `'90s'`. */
export type VaultDuration = number | string;

export interface VaultAppRoleConfig {
  /** Fixed role_id; a random UUID otherwise. */
  roleId?: string;
  /** secret_ids accepted at login; none given means one random secret_id is created. */
  secretIds?: string[];
  /** When false, login needs only the role_id. Default true. */
  bindSecretId?: boolean;
  policies: string[];
  tokenTtl?: VaultDuration;
  tokenMaxTtl?: VaultDuration;
  /** Logins each secret_id allows (0 = unlimited). */
  secretIdNumUses?: number;
}

export interface VaultKubernetesRoleConfig {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  policies: string[];
  tokenTtl?: VaultDuration;
  tokenMaxTtl?: VaultDuration;
}

export interface VaultServiceAccount {
  /** The service-account JWT a pod would present (any opaque string works). */
  jwt: string;
  name: string;
  namespace: string;
}

/** A dynamic database role served at `<mount>/creds/<name>`. */
export interface VaultDatabaseRoleConfig {
  /** Lease TTL of each credential. Default: the system's 768h. */
  defaultTtl?: VaultDuration;
  /** Renewals never extend a lease past this from its issue. Default: 768h. */
  maxTtl?: VaultDuration;
  /**
   * False makes its leases non-renewable (as engines such as AWS STS credentials are); a test
   * hook, since Vault's database credentials are renewable. Default true.
   */
  renewable?: boolean;
}

export interface VaultEmulatorOptions extends EmulatorBaseOptions {
  /** The root token (policy `root`, never expires). Random `hvs.` token by default. */
  rootToken?: string;
  /** KV v2 mount path(s). Default `secret`. */
  kvMount?: string | string[];
  /** Require `options.cas` on every write to the KV mounts (the mount's `cas_required`). */
  casRequired?: boolean;
  /** The mounts' `max_versions` (Vault's default: 10). */
  maxVersions?: number;
  /** ACL policies by name: HCL text, or `{ "<path glob>": ["read", "list"] }`. */
  policies?: Record<string, string | Record<string, Capability[]>>;
  /** AppRole roles by name, at `auth/<approleMount>/`. */
  approle?: Record<string, VaultAppRoleConfig>;
  /** Default `approle`. */
  approleMount?: string;
  kubernetes?: {
    roles?: Record<string, VaultKubernetesRoleConfig>;
    /** The JWTs the emulated TokenReview accepts, and whom they identify. */
    serviceAccounts?: VaultServiceAccount[];
  };
  /** Default `kubernetes`. */
  kubernetesMount?: string;
  /**
   * A database secrets engine at `mount` (default `database`) with these roles, on one
   * connection that allows them all; more can be written through `<mount>/roles/<name>`.
   */
  database?: { mount?: string; roles?: Record<string, VaultDatabaseRoleConfig> };
  /** TTL of tokens issued by logins and token/create when none is asked. Default 768h, as Vault's. */
  defaultTokenTtl?: VaultDuration;
  /** Ceiling for renewals. Default 768h. */
  maxTokenTtl?: VaultDuration;
}

export interface VaultTokenInit {
  policies: string[];
  ttl?: VaultDuration;
  maxTtl?: VaultDuration;
  renewable?: boolean;
  id?: string;
}

export interface VaultEmulator {
  /** `http://127.0.0.1:<port>` — the `VAULT_ADDR`. */
  url: string;
  port: number;
  rootToken: string;
  /** KV v2 mounts served. */
  kvMounts: string[];
  faults: FaultInjector;
  /** Requests received per kind of path (`kv.data.read`, `auth.approle.login`, ...), faulted ones included. */
  readonly counters: Record<string, number>;
  resetCounters(): void;
  /** Issues a token directly (no request); returns its id. */
  createToken(init: VaultTokenInit): string;
  /** Makes a token expire now, as if its TTL had run out. */
  expireToken(token: string): void;
  revokeToken(token: string): void;
  /** role_id and a fresh secret_id of an AppRole role. */
  appRoleCredentials(role: string): { roleId: string; secretId: string };
  /** Registers a service-account JWT the Kubernetes login will accept; returns it. */
  addServiceAccount(account: { name: string; namespace: string; jwt?: string }): string;
  /** The ids of the leases alive now (expired ones are revoked first). */
  leaseIds(): string[];
  /** Moves the emulator's clock forward (token, secret_id and lease expiry). */
  advanceClock(ms: number): void;
  stop(): Promise<void>;
}

export function seconds(value: VaultDuration | undefined, fallback: number): number {
  return parseDurationSeconds(value) ?? fallback;
}

export function routerSettings(options: VaultEmulatorOptions, state: VaultState): RouterSettings {
  const configured = Array.isArray(options.kvMount) ? options.kvMount : [options.kvMount ?? 'secret'];
  return {
    kvMounts: [...new Set([...configured, ...Object.keys(state.data.secretMounts)])],
    approleMount: options.approleMount ?? 'approle',
    kubernetesMount: options.kubernetesMount ?? 'kubernetes',
    defaultTokenTtl: seconds(options.defaultTokenTtl, 768 * 3600),
    maxTokenTtl: seconds(options.maxTokenTtl, 768 * 3600),
  };
}

/** Applies the configuration from options over whatever the snapshot held; returns the root token. */
export function applyOptions(
  state: VaultState,
  settings: RouterSettings,
  options: VaultEmulatorOptions,
): string {
  const root = issueRootToken(state, options.rootToken);
  for (const mount of settings.kvMounts) {
    const kv = state.mount('', mount);
    if (options.casRequired !== undefined) kv.config.casRequired = options.casRequired;
    if (options.maxVersions !== undefined) kv.config.maxVersions = options.maxVersions;
  }
  applyPolicies(state, options.policies ?? {});
  applyAppRoles(state, options.approle ?? {});
  if (options.approle) state.data.authMounts[settings.approleMount] = 'approle';
  applyKubernetes(state, options.kubernetes);
  applyDatabase(state, options.database);
  if (options.kubernetes) state.data.authMounts[settings.kubernetesMount] = 'kubernetes';
  state.dirty = true;
  state.save();
  return root;
}

/** The root token: the one asked for, else the one the snapshot kept, else a new one. */
function issueRootToken(state: VaultState, asked: string | undefined): string {
  const kept = Object.values(state.data.tokens).find((t) => t.path === 'root')?.id;
  return state.issueToken({
    id: asked ?? kept,
    policies: ['root'],
    ttl: 0,
    renewable: false,
    displayName: 'root',
    path: 'root',
  }).id;
}

function applyPolicies(state: VaultState, policies: NonNullable<VaultEmulatorOptions['policies']>): void {
  for (const [name, policy] of Object.entries(policies)) {
    if (typeof policy === 'string') {
      state.data.policies[name] = { raw: policy, rules: parsePolicy(policy) };
      continue;
    }
    const rules = Object.entries(policy).map(([path, capabilities]) => ({
      path,
      capabilities: [...capabilities],
    }));
    const raw = rules
      .map((r) => `path "${r.path}" {\n  capabilities = ${JSON.stringify(r.capabilities)}\n}`)
      .join('\n\n');
    state.data.policies[name] = { raw, rules };
  }
}

/** Adds a secret_id to an AppRole role (limits from the role). */
export function addSecretId(state: VaultState, roleName: string, secretId: string, ttl: number): void {
  const role = state.data.approle[roleName]!;
  const uses = role.secretIdNumUses;
  role.secretIds[secretId] = {
    accessor: randomUUID(),
    createdAt: state.now(),
    ttl,
    numUses: uses,
    usesLeft: uses,
  };
  state.dirty = true;
}

function applyAppRoles(state: VaultState, roles: Record<string, VaultAppRoleConfig>): void {
  for (const [name, config] of Object.entries(roles)) {
    const role = applyAppRoleSettings(state.data.approle[name], {
      token_policies: config.policies,
      token_ttl: config.tokenTtl,
      token_max_ttl: config.tokenMaxTtl,
      bind_secret_id: config.bindSecretId,
      secret_id_num_uses: config.secretIdNumUses,
      ...(config.roleId ? { role_id: config.roleId } : {}),
    });
    state.data.approle[name] = role;
    const secretIds = config.secretIds ?? (Object.keys(role.secretIds).length ? [] : [randomUUID()]);
    for (const secretId of secretIds) addSecretId(state, name, secretId, 0);
  }
}

function applyDatabase(state: VaultState, database: VaultEmulatorOptions['database']): void {
  if (!database) return;
  const path = database.mount ?? 'database';
  const mount = state.data.databases[path] ?? newDatabaseMount();
  state.data.databases[path] = mount;
  mount.connections.emulated ??= {
    pluginName: 'hush-emulated-database-plugin',
    allowedRoles: ['*'],
    connectionUrl: '',
    username: '',
    verifyConnection: false,
  };
  for (const [name, role] of Object.entries(database.roles ?? {}))
    mount.roles[name] = {
      dbName: 'emulated',
      defaultTtl: seconds(role.defaultTtl, 0),
      maxTtl: seconds(role.maxTtl, 0),
      creationStatements: ['-- emulated'],
      revocationStatements: [],
      renewable: role.renewable ?? true,
    };
}

function applyKubernetes(state: VaultState, kubernetes: VaultEmulatorOptions['kubernetes']): void {
  for (const [name, config] of Object.entries(kubernetes?.roles ?? {})) {
    state.data.kubernetes.roles[name] = applyKubernetesRoleSettings(state.data.kubernetes.roles[name], {
      bound_service_account_names: config.boundServiceAccountNames,
      bound_service_account_namespaces: config.boundServiceAccountNamespaces,
      token_policies: config.policies,
      token_ttl: config.tokenTtl,
      token_max_ttl: config.tokenMaxTtl,
    });
  }
  for (const account of kubernetes?.serviceAccounts ?? [])
    state.data.kubernetes.serviceAccounts[account.jwt] = {
      name: account.name,
      namespace: account.namespace,
      uid: randomUUID(),
    };
}
