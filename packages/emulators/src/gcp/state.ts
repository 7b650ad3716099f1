import { SnapshotFile } from '../server/snapshot.js';
import { crc32c } from './crc32c.js';

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

export interface StoredVersion {
  number: number;
  createTime: number;
  state: VersionState;
  /** Cleared when the version is destroyed, as the service discards the data. */
  data: Buffer | null;
  /** What AccessSecretVersion reports; a test hook may make it disagree with the data. */
  crc32c: number | null;
  clientSpecifiedChecksum: boolean;
  destroyTime?: number;
  etag: number;
}

export interface StoredSecret {
  project: string;
  id: string;
  createTime: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  expireTime?: number;
  etag: number;
  versions: StoredVersion[];
}

interface Snapshot {
  secrets: Array<
    Omit<StoredSecret, 'versions'> & {
      versions: Array<Omit<StoredVersion, 'data'> & { data: string | null }>;
    }
  >;
}

/** In-memory projects, secrets and versions; optionally mirrored to a JSON file after each change. */
export class GcpState {
  readonly #secrets = new Map<string, StoredSecret>();
  #clock = 0;
  readonly #snapshot: SnapshotFile<Snapshot>;

  constructor(
    snapshotFile?: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.#snapshot = new SnapshotFile(snapshotFile);
    const loaded = this.#snapshot.load();
    if (loaded) this.#load(loaded);
  }

  static key(project: string, id: string): string {
    return `${project}/${id}`;
  }

  /** Strictly increasing milliseconds, so that newest-first ordering is stable within one millisecond. */
  now(): number {
    this.#clock = Math.max(this.#clock + 1, this.clock());
    return this.#clock;
  }

  /** The clock itself, for expiry checks. */
  wallClock(): number {
    return this.clock();
  }

  get(project: string, id: string): StoredSecret | undefined {
    return this.#secrets.get(GcpState.key(project, id));
  }

  create(
    project: string,
    id: string,
    init: { labels: Record<string, string>; annotations: Record<string, string>; expireTime?: number },
  ): StoredSecret {
    const secret: StoredSecret = { project, id, createTime: this.now(), etag: 1, versions: [], ...init };
    this.#secrets.set(GcpState.key(project, id), secret);
    this.save();
    return secret;
  }

  delete(project: string, id: string): boolean {
    const removed = this.#secrets.delete(GcpState.key(project, id));
    if (removed) this.save();
    return removed;
  }

  /** Secrets of a project, newest first (the order the service documents for ListSecrets). */
  list(project: string): StoredSecret[] {
    return [...this.#secrets.values()]
      .filter((s) => s.project === project)
      .sort((a, b) => b.createTime - a.createTime || (a.id < b.id ? -1 : 1));
  }

  addVersion(secret: StoredSecret, data: Buffer, clientSpecifiedChecksum: boolean): StoredVersion {
    const version: StoredVersion = {
      number: (secret.versions.at(-1)?.number ?? 0) + 1,
      createTime: this.now(),
      state: 'ENABLED',
      data,
      crc32c: crc32c(data),
      clientSpecifiedChecksum,
      etag: 1,
    };
    secret.versions.push(version);
    this.save();
    return version;
  }

  clear(): void {
    this.#secrets.clear();
    this.save();
  }

  save(): void {
    if (!this.#snapshot.path) return;
    const snapshot: Snapshot = {
      secrets: [...this.#secrets.values()].map((s) => ({
        ...s,
        versions: s.versions.map((v) => ({ ...v, data: v.data ? v.data.toString('base64') : null })),
      })),
    };
    this.#snapshot.save(snapshot);
  }

  #load(snapshot: Snapshot): void {
    for (const s of snapshot.secrets) {
      const secret: StoredSecret = {
        ...s,
        versions: s.versions.map((v) => ({
          ...v,
          data: v.data === null ? null : Buffer.from(v.data, 'base64'),
        })),
      };
      this.#secrets.set(GcpState.key(s.project, s.id), secret);
      this.#clock = Math.max(this.#clock, secret.createTime, ...secret.versions.map((v) => v.createTime));
    }
  }
}
