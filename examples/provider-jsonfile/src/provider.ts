import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createSecret,
  type ProviderCapabilities,
  type ProviderGetOptions,
  type ProviderListOptions,
  type ProviderSetOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
  type SecretVersion,
  VersionConflictError,
  validateSecretName,
} from '@hush/core';

export interface JsonFileProviderOptions {
  /** The file to keep secrets in (created on first write). */
  path: string;
  name?: string;
}

interface FileVersion {
  version: number;
  value: string;
  createdAt: string;
  expiresAt?: string;
}

interface FileEntry {
  versions: FileVersion[];
  tags: Record<string, string>;
  createdAt: string;
}

type FileShape = Record<string, FileEntry>;

/**
 * Keeps secrets in a plain JSON file. It shows how a third party writes a provider: implement
 * the small SecretProvider contract, declare capabilities, and prove it with the testkit suite.
 * Not encrypted: use @hush/provider-local for real secrets.
 */
export class JsonFileProvider implements SecretProvider {
  readonly kind = 'jsonfile';
  readonly name: string;
  readonly capabilities: ProviderCapabilities = {
    write: true,
    delete: true,
    list: true,
    versions: true,
    tags: true,
    expiry: true,
    batchGet: false,
  };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: JsonFileProviderOptions) {
    this.name = options.name ?? 'jsonfile';
  }

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    validateSecretName(key);
    // The manager aborts a call on its timeout and on dispose: a provider with a network call
    // hands the signal to its client; a file read just refuses to start.
    options.abortSignal?.throwIfAborted();
    const entry = (await this.#read())[key];
    if (!entry) return null;
    const version =
      options.version === undefined
        ? entry.versions.at(-1)
        : entry.versions.find((v) => String(v.version) === options.version);
    return version ? this.#toSecret(key, entry, version) : null;
  }

  set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    validateSecretName(key);
    if (options.abortSignal?.aborted) return Promise.reject(options.abortSignal.reason);
    return this.#update((file) => {
      const entry = file[key] ?? { versions: [], tags: {}, createdAt: new Date().toISOString() };
      file[key] = entry;
      const current = entry.versions.at(-1)?.version ?? 0;
      if (options.expectedVersion !== undefined && options.expectedVersion !== String(current))
        throw new VersionConflictError(key);
      const version: FileVersion = { version: current + 1, value, createdAt: new Date().toISOString() };
      if (options.expiresAt) version.expiresAt = options.expiresAt.toISOString();
      entry.versions.push(version);
      if (options.tags) entry.tags = { ...options.tags };
      return this.#toSecret(key, entry, version).toInfo();
    });
  }

  delete(key: string): Promise<boolean> {
    validateSecretName(key);
    return this.#update((file) => {
      const existed = key in file;
      delete file[key];
      return existed;
    });
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const file = await this.#read();
    return Object.entries(file)
      .filter(([key]) => !options.prefix || key.startsWith(options.prefix))
      .map(([key, entry]) => this.#toSecret(key, entry, entry.versions.at(-1)!).toInfo());
  }

  async listVersions(key: string): Promise<SecretVersion[]> {
    validateSecretName(key);
    const entry = (await this.#read())[key];
    if (!entry) return [];
    const current = entry.versions.at(-1)!.version;
    return entry.versions.map((v) => ({
      version: String(v.version),
      createdAt: new Date(v.createdAt),
      ...(v.expiresAt ? { expiresAt: new Date(v.expiresAt) } : {}),
      current: v.version === current,
      state: 'enabled' as const,
    }));
  }

  async #read(): Promise<FileShape> {
    try {
      return JSON.parse(await readFile(this.options.path, 'utf8')) as FileShape;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  /** Writes are queued so that concurrent calls in one process never lose each other's changes. */
  #update<T>(change: (file: FileShape) => T): Promise<T> {
    const run = this.#queue.then(async () => {
      const file = await this.#read();
      const result = change(file);
      await mkdir(dirname(this.options.path), { recursive: true });
      const temporary = `${this.options.path}.tmp`;
      await writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
      await rename(temporary, this.options.path);
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #toSecret(key: string, entry: FileEntry, version: FileVersion): Secret {
    return createSecret({
      key,
      value: version.value,
      version: String(version.version),
      createdAt: new Date(entry.createdAt),
      updatedAt: new Date(version.createdAt),
      ...(version.expiresAt ? { expiresAt: new Date(version.expiresAt) } : {}),
      tags: entry.tags,
      provider: this.name,
    });
  }
}
