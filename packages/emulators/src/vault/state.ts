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
