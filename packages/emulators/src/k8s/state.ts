import { randomUUID } from 'node:crypto';
import { SnapshotFile } from '../server/snapshot.js';

export interface SecretMetadata {
  name: string;
  generateName?: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  /** Real API servers leave `generation` unset on Secrets; the emulator counts content changes (see README). */
  generation: number;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A stored Secret, as the API serves it (data base64, no stringData). */
export interface StoredSecret {
  metadata: SecretMetadata;
  immutable?: boolean;
  data: Record<string, string>;
  type: string;
}

interface Snapshot {
  resourceVersion: number;
  namespaces: string[];
  secrets: StoredSecret[];
}

/** In-memory store of Secrets by namespace, with one global resourceVersion counter as etcd has. */
export class KubernetesState {
  readonly namespaces = new Set<string>();
  readonly #secrets = new Map<string, Map<string, StoredSecret>>();
  #resourceVersion = 0;
  readonly #snapshot: SnapshotFile<Snapshot>;

  constructor(
    namespaces: string[],
    snapshotFile?: string,
    /** The clock of creationTimestamp (epoch ms). */
    readonly now: () => number = Date.now,
  ) {
    for (const ns of namespaces) this.namespaces.add(ns);
    this.#snapshot = new SnapshotFile(snapshotFile);
    const loaded = this.#snapshot.load();
    if (loaded) this.#load(loaded);
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  nextResourceVersion(): string {
    this.#resourceVersion += 1;
    return String(this.#resourceVersion);
  }

  newUid(): string {
    return randomUUID();
  }

  get(namespace: string, name: string): StoredSecret | undefined {
    return this.#secrets.get(namespace)?.get(name);
  }

  /** Stores the object under a fresh resourceVersion. */
  put(secret: StoredSecret): StoredSecret {
    secret.metadata.resourceVersion = this.nextResourceVersion();
    this.#namespace(secret.metadata.namespace).set(secret.metadata.name, secret);
    this.#save();
    return secret;
  }

  remove(namespace: string, name: string): StoredSecret | undefined {
    const inNamespace = this.#secrets.get(namespace);
    const secret = inNamespace?.get(name);
    if (!secret) return undefined;
    inNamespace!.delete(name);
    // A delete moves the global counter as etcd's revision does.
    this.nextResourceVersion();
    this.#save();
    return secret;
  }

  /** Every Secret of a namespace (or of all namespaces), in etcd key order: namespace, then name. */
  list(namespace?: string): StoredSecret[] {
    const namespaces = namespace === undefined ? [...this.#secrets.keys()].sort() : [namespace];
    const out: StoredSecret[] = [];
    for (const ns of namespaces) {
      const inNamespace = this.#secrets.get(ns);
      if (!inNamespace) continue;
      for (const name of [...inNamespace.keys()].sort()) out.push(inNamespace.get(name)!);
    }
    return out;
  }

  #namespace(namespace: string): Map<string, StoredSecret> {
    let inNamespace = this.#secrets.get(namespace);
    if (!inNamespace) {
      inNamespace = new Map();
      this.#secrets.set(namespace, inNamespace);
    }
    return inNamespace;
  }

  #load(snapshot: Snapshot): void {
    this.#resourceVersion = snapshot.resourceVersion;
    for (const ns of snapshot.namespaces) this.namespaces.add(ns);
    for (const secret of snapshot.secrets)
      this.#namespace(secret.metadata.namespace).set(secret.metadata.name, secret);
  }

  #save(): void {
    if (!this.#snapshot.path) return;
    const snapshot: Snapshot = {
      resourceVersion: this.#resourceVersion,
      namespaces: [...this.namespaces],
      secrets: this.list(),
    };
    this.#snapshot.save(snapshot);
  }
}
