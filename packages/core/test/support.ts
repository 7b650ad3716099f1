import {
  createSecret,
  type ProviderCapabilities,
  type ProviderGetOptions,
  type ProviderSetOptions,
  type Secret,
  type SecretInfo,
  type SecretProvider,
} from '../src/index.js';

/** A promise with its resolve in hand: lets a test decide when a provider call finishes. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A provider that reads its value when a call arrives and answers when the test releases it,
 * as a backend on a slow network does: the answer reflects the state at the time of the request.
 */
export class GatedProvider implements SecretProvider {
  readonly kind = 'gated';
  readonly capabilities: ProviderCapabilities = {
    write: true,
    delete: true,
    list: false,
    versions: false,
    tags: false,
    expiry: false,
    batchGet: false,
  };
  readonly values = new Map<string, { value: string; version: number }>();
  /** When set, every get waits for it. */
  gate?: Promise<void>;
  readonly signals: AbortSignal[] = [];
  setError?: (key: string, value: string) => Error;

  constructor(readonly name = 'gated') {}

  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    if (options.abortSignal) this.signals.push(options.abortSignal);
    const stored = this.values.get(key);
    if (this.gate) await this.gate;
    return stored
      ? createSecret({ key, value: stored.value, version: String(stored.version), provider: this.name })
      : null;
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    if (options.abortSignal) this.signals.push(options.abortSignal);
    if (this.setError) throw this.setError(key, value);
    const version = (this.values.get(key)?.version ?? 0) + 1;
    this.values.set(key, { value, version });
    return createSecret({ key, value, version: String(version), provider: this.name }).toInfo();
  }

  async delete(key: string): Promise<boolean> {
    return this.values.delete(key);
  }
}
