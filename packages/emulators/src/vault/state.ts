import { randomBytes, randomUUID } from 'node:crypto';
import { SnapshotFile } from '../server/snapshot.js';

/** One version of a KV v2 entry. `data` is null once destroyed. */
export interface KvVersion {
  data: Record<string, unknown> | null;
  createdTime: string;
  /** RFC 3339 time of the soft delete, '' when live. */
  deletionTime: string;
  destroyed: boolean;
}

/** A KV v2 key: its metadata and the versions still kept. */
export interface KvEntry {
  versions: Record<string, KvVersion>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: string;
  updatedTime: string;
  /** 0 means "use the mount's setting". */
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
  customMetadata: Record<string, string> | null;
}

export interface KvMountConfig {
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
}

export interface KvMount {
  config: KvMountConfig;
  entries: Record<string, KvEntry>;
}

export interface Token {
  id: string;
  accessor: string;
  policies: string[];
  /** Creation TTL in seconds; 0 = never expires (root). */
  creationTtl: number;
  explicitMaxTtl: number;
  renewable: boolean;
  /** Epoch ms. */
  issueTime: number;
  /** Epoch ms, null when the token never expires. */
  expireTime: number | null;
  /** Epoch ms beyond which renewals cannot extend, null when unbounded. */
  maxExpireTime: number | null;
  displayName: string;
  path: string;
  meta: Record<string, string> | null;
  numUses: number;
  orphan: boolean;
}

export interface AppRole {
  roleId: string;
  bindSecretId: boolean;
  /** secret_id → accessor and limits. */
  secretIds: Record<
    string,
    { accessor: string; createdAt: number; ttl: number; numUses: number; usesLeft: number }
  >;
  secretIdTtl: number;
  secretIdNumUses: number;
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenNumUses: number;
  tokenNoDefaultPolicy: boolean;
}

export interface KubernetesRole {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenNoDefaultPolicy: boolean;
}

export interface ServiceAccountIdentity {
  name: string;
  namespace: string;
  uid: string;
}

export interface PolicyRule {
  path: string;
  capabilities: string[];
}

export interface StoredPolicy {
  rules: PolicyRule[];
  /** The HCL text as written through sys/policies/acl, if any. */
  raw: string;
}

/** A secret with a lease (a dynamic credential), as the expiration manager keeps it. */
export interface Lease {
  /** `<mount>/creds/<role>/<random>`. */
  id: string;
  /** The path that issued it (`database/creds/app`). */
  path: string;
  data: Record<string, unknown>;
  /** Epoch ms. */
  issueTime: number;
  expireTime: number;
  lastRenewal: number | null;
  /** Renewals never extend past this (issue time + the role's max TTL). */
  maxExpireTime: number;
  renewable: boolean;
  /** Seconds a renewal without `increment` asks for (the role's default TTL). */
  defaultTtl: number;
  /** The accessor of the token that read it: revoking the token revokes its leases. */
  tokenAccessor: string;
}

/** A database secrets engine connection (`<mount>/config/<name>`); nothing is connected to. */
export interface DatabaseConnection {
  pluginName: string;
  allowedRoles: string[];
  connectionUrl: string;
  username: string;
  verifyConnection: boolean;
}

/** A dynamic role (`<mount>/roles/<name>`). TTLs in seconds, 0 = the mount's default. */
export interface DatabaseRole {
  dbName: string;
  defaultTtl: number;
  maxTtl: number;
  creationStatements: string[];
  revocationStatements: string[];
  /** Database credentials are renewable; false stands for engines whose leases are not. */
  renewable: boolean;
}

export interface DatabaseMount {
  connections: Record<string, DatabaseConnection>;
  roles: Record<string, DatabaseRole>;
}

/** Everything the emulator remembers; serialisable as-is to the snapshot file. */
export interface VaultStateData {
  /** Keyed by `<namespace>/<mount>` (just `<mount>` in the root namespace). */
  kv: Record<string, KvMount>;
  tokens: Record<string, Token>;
  policies: Record<string, StoredPolicy>;
  approle: Record<string, AppRole>;
  kubernetes: {
    roles: Record<string, KubernetesRole>;
    serviceAccounts: Record<string, ServiceAccountIdentity>;
  };
  /** Auth methods enabled through `sys/auth/<path>`: path → type. */
  authMounts: Record<string, string>;
  /** KV version 2 engines enabled through `sys/mounts/<path>` (besides the configured ones). */
  secretMounts: Record<string, string>;
  /** Database secrets engines by mount path. */
  databases: Record<string, DatabaseMount>;
  /** Leases by id; an expired one is revoked (removed) when next looked at. */
  leases: Record<string, Lease>;
}

export const DEFAULT_MAX_VERSIONS = 10;

export function newTokenId(): string {
  return `hvs.${randomBytes(18).toString('base64url')}`;
}

export function newAccessor(): string {
  return randomBytes(12).toString('base64url');
}

export function newUuid(): string {
  return randomUUID();
}

export class VaultState {
  data: VaultStateData;
  /** Set by every mutation; the server saves the snapshot after the request when set. */
  dirty = false;
  /** Milliseconds added to the clock (`advanceClock` moves time forward with it). */
  clockOffsetMs = 0;
  readonly #snapshot: SnapshotFile<Partial<VaultStateData>>;

  constructor(
    snapshotFile: string | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    this.#snapshot = new SnapshotFile(snapshotFile);
    const loaded = this.#snapshot.load() ?? {};
    this.data = {
      kv: loaded.kv ?? {},
      tokens: loaded.tokens ?? {},
      policies: loaded.policies ?? {},
      approle: loaded.approle ?? {},
      kubernetes: loaded.kubernetes ?? { roles: {}, serviceAccounts: {} },
      authMounts: loaded.authMounts ?? {},
      secretMounts: loaded.secretMounts ?? {},
      databases: loaded.databases ?? {},
      leases: loaded.leases ?? {},
    };
  }

  now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  mount(namespace: string, mount: string): KvMount {
    const key = namespace ? `${namespace}/${mount}` : mount;
    let found = this.data.kv[key];
    if (!found) {
      found = { config: { maxVersions: 0, casRequired: false, deleteVersionAfter: '0s' }, entries: {} };
      this.data.kv[key] = found;
    }
    return found;
  }

  /** Looks a token up, forgetting it when it has expired (Vault revokes expired tokens). */
  token(id: string | undefined): Token | undefined {
    if (!id) return undefined;
    const token = this.data.tokens[id];
    if (!token) return undefined;
    if (token.expireTime !== null && token.expireTime <= this.now()) {
      delete this.data.tokens[id];
      this.dirty = true;
      return undefined;
    }
    return token;
  }

  /** Looks a lease up, revoking it when it has expired (Vault revokes leases at their end). */
  lease(id: string): Lease | undefined {
    const lease = this.data.leases[id];
    if (!lease) return undefined;
    if (lease.expireTime <= this.now()) {
      delete this.data.leases[id];
      this.dirty = true;
      return undefined;
    }
    return lease;
  }

  /** Every live lease whose id starts with the prefix. */
  leasesUnder(prefix: string): Lease[] {
    return Object.keys(this.data.leases)
      .filter((id) => id.startsWith(prefix))
      .map((id) => this.lease(id))
      .filter((lease): lease is Lease => lease !== undefined);
  }

  issueToken(init: {
    id?: string;
    policies: string[];
    ttl: number;
    maxTtl?: number;
    renewable: boolean;
    displayName: string;
    path: string;
    meta?: Record<string, string> | null;
    numUses?: number;
    orphan?: boolean;
  }): Token {
    const now = this.now();
    const token: Token = {
      id: init.id ?? newTokenId(),
      accessor: newAccessor(),
      policies: [...new Set(init.policies)].sort(),
      creationTtl: init.ttl,
      explicitMaxTtl: 0,
      renewable: init.ttl > 0 && init.renewable,
      issueTime: now,
      expireTime: init.ttl > 0 ? now + init.ttl * 1000 : null,
      maxExpireTime: init.ttl > 0 && init.maxTtl && init.maxTtl > 0 ? now + init.maxTtl * 1000 : null,
      displayName: init.displayName,
      path: init.path,
      meta: init.meta ?? null,
      numUses: init.numUses ?? 0,
      orphan: init.orphan ?? true,
    };
    this.data.tokens[token.id] = token;
    this.dirty = true;
    return token;
  }

  save(): void {
    if (!this.dirty) return;
    this.#snapshot.save(this.data);
    this.dirty = false;
  }
}
