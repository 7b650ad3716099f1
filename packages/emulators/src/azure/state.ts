import { randomBytes } from 'node:crypto';
import { SnapshotFile } from '../server/snapshot.js';

/** Attributes Key Vault keeps per secret version (dates in Unix seconds, as on the wire). */
export interface VersionAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface StoredVersion {
  /** 32 lowercase hex digits, as Key Vault's version identifiers. */
  id: string;
  /** Creation order within the secret; keeps listing stable when two versions share a second. */
  seq: number;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: VersionAttributes;
}

export interface DeletionInfo {
  deletedDate: number;
  scheduledPurgeDate: number;
  /** Until this instant (ms) the deletion is still "in progress": the deleted secret is not visible yet. */
  visibleAfterMs: number;
}

export interface StoredSecret {
  /** The name as last written (Key Vault names are case-insensitive but keep a spelling). */
  name: string;
  versions: StoredVersion[];
  deleted?: DeletionInfo;
  /** While set, a recovery is in progress and the secret is not readable yet. */
  recoveringUntilMs?: number;
}

interface Snapshot {
  kind: 'hush-azure-keyvault-emulator';
  secrets: StoredSecret[];
}

/**
 * The vault's content in memory. Names are keyed case-insensitively, as the service does:
 * `MySecret` and `mysecret` are one secret.
 */
export class VaultState {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #snapshot: SnapshotFile<Snapshot>;

  constructor(snapshotFile?: string) {
    this.#snapshot = new SnapshotFile(snapshotFile, (parsed, file) => {
      const snapshot = parsed as Snapshot;
      if (snapshot.kind !== 'hush-azure-keyvault-emulator')
        throw new Error(`${file} is not an Azure Key Vault emulator snapshot`);
      return snapshot;
    });
    for (const secret of this.#snapshot.load()?.secrets ?? [])
      this.#secrets.set(VaultState.key(secret.name), secret);
  }

  static key(name: string): string {
    return name.toLowerCase();
  }

  static newVersionId(): string {
    return randomBytes(16).toString('hex');
  }

  find(name: string): StoredSecret | undefined {
    return this.#secrets.get(VaultState.key(name));
  }

  /** Active (not soft-deleted) secrets, sorted by lowercase name. */
  active(): StoredSecret[] {
    return this.#sorted().filter((s) => !s.deleted);
  }

  /** Soft-deleted secrets, sorted by lowercase name. */
  deleted(): StoredSecret[] {
    return this.#sorted().filter((s) => s.deleted);
  }

  put(secret: StoredSecret): void {
    this.#secrets.set(VaultState.key(secret.name), secret);
    this.persist();
  }

  remove(name: string): void {
    this.#secrets.delete(VaultState.key(name));
    this.persist();
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** Writes the snapshot file (when configured). */
  persist(): void {
    this.#snapshot.save({ kind: 'hush-azure-keyvault-emulator', secrets: [...this.#secrets.values()] });
  }

  #sorted(): StoredSecret[] {
    return [...this.#secrets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }
}
