import { createHmac, randomBytes } from 'node:crypto';
import type { Secret, SecretManager } from '@hush/core';
import { Cli } from './context.js';
import { CliError, EXIT, exitCodeFor, UsageError } from './errors.js';

/**
 * Keyed fingerprints of values: HMAC-SHA256 under a key drawn at random for this run only, so
 * that equal values compare equal within the run while a fingerprint tells nothing about a value
 * and cannot be matched against one from another run.
 */
export class Fingerprinter {
  readonly #key = randomBytes(32);

  of(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('hex');
  }
}

/** One side of a comparison: a provider of an environment, or an environment's whole chain. */
export interface SideSpec {
  environment?: string;
  provider?: string;
}

/** What a JSON report says about a side. */
export interface SideDescription {
  environment: string;
  provider?: string;
}

/** A side that could not be read: exit 5, naming the side and why. */
export class SideUnavailableError extends CliError {
  constructor(label: string, cause: unknown, mask: (text: string) => string) {
    super(`${label} is unreachable: ${mask((cause as Error)?.message ?? String(cause))}`, EXIT.unavailable);
  }
}

const unreachable = (error: unknown): boolean => exitCodeFor(error) === EXIT.unavailable;

/** Reads names and values of one side; values only as long as a caller needs them. */
export class Side {
  #manager?: SecretManager;
  #description?: SideDescription;

  /** `owned`: the side built `cli` for itself and disposes of it. */
  constructor(
    readonly cli: Cli,
    readonly spec: SideSpec,
    private readonly owned = false,
  ) {}

  /** `provider 'vault'`, `environment 'prod'`, `provider 'vault' of environment 'prod'`. */
  get label(): string {
    const env = this.#description?.environment ?? this.spec.environment;
    if (this.spec.provider && this.spec.environment)
      return `provider '${this.spec.provider}' of environment '${env}'`;
    if (this.spec.provider) return `provider '${this.spec.provider}'`;
    return `environment '${env}'`;
  }

  async open(): Promise<SideDescription> {
    if (this.#description) return this.#description;
    const settings = await this.cli.settings();
    await this.cli.checkProvider(this.spec.provider);
    this.#manager = await this.cli.manager();
    this.#description = {
      environment: settings.environmentName,
      ...(this.spec.provider ? { provider: this.spec.provider } : {}),
    };
    return this.#description;
  }

  get manager(): SecretManager {
    if (!this.#manager) throw new Error('side not opened');
    return this.#manager;
  }

  /**
   * Every name the side holds, sorted. An environment's names are those of each provider that
   * can list; any provider that fails makes the side unreachable (a partial list would show
   * secrets as missing that are only out of sight).
   */
  async names(pattern?: string): Promise<string[]> {
    const manager = this.manager;
    const providers = this.spec.provider
      ? [this.spec.provider]
      : manager.providerNames.filter((name) => manager.getProvider(name)?.capabilities.list);
    if (this.spec.provider && !manager.getProvider(this.spec.provider)?.capabilities.list)
      throw new UsageError(`${this.label} cannot list its secrets`);
    const names = new Set<string>();
    for (const provider of providers) {
      const infos = await this.#reach(() =>
        manager.listSecrets({ provider, accessor: this.cli.accessor, ...(pattern ? { pattern } : {}) }),
      );
      for (const info of infos) names.add(info.key);
    }
    return [...names].sort();
  }

  /** One secret as the side serves it now (no cache), or null. */
  async read(name: string): Promise<Secret | null> {
    return this.#reach(() => this.manager.getSecret(name, this.#readOptions()));
  }

  /** Fingerprints of the named secrets that exist; each value is dropped once hashed. */
  async fingerprints(names: string[], fingerprinter: Fingerprinter): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    const found = await this.#reach(() => this.manager.getSecrets(names, this.#readOptions()));
    for (const name of names) {
      const secret = found.get(name);
      if (secret) out.set(name, fingerprinter.of(secret.value));
    }
    return out;
  }

  /** Reads as the side serves them now: no cache, this side's provider only when it names one. */
  #readOptions() {
    return {
      accessor: this.cli.accessor,
      fresh: true,
      ...(this.spec.provider ? { provider: this.spec.provider } : {}),
    };
  }

  /** Runs a read; a provider that cannot be reached makes the side unreachable (exit 5). */
  async #reach<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (unreachable(error)) throw new SideUnavailableError(this.label, error, (t) => this.cli.mask(t));
      throw error;
    }
  }

  async dispose(): Promise<void> {
    if (this.owned) await this.cli.dispose();
  }
}

/**
 * The two sides named by `--from`/`--to` and `--env` (none or one: two providers of that
 * environment; two: the two environments, each side's whole chain unless `--from`/`--to` pins a
 * provider in it).
 */
export function sidesFromOptions(
  cli: Cli,
  options: { from?: string; to?: string; env?: string | string[] },
): [Side, Side] {
  const envs = options.env === undefined ? [] : Array.isArray(options.env) ? options.env : [options.env];
  if (envs.length > 2) throw new UsageError('--env compares two environments at most');
  if (envs.length === 2) {
    if (envs[0] === envs[1] && (options.from ?? '') === (options.to ?? ''))
      throw new UsageError('both sides are the same: give two environments or two providers');
    const side = (env: string, provider: string | undefined) =>
      new Side(
        new Cli({ ...cli.options, env }),
        { environment: env, ...(provider ? { provider } : {}) },
        true,
      );
    return [side(envs[0]!, options.from), side(envs[1]!, options.to)];
  }
  if (!options.from || !options.to)
    throw new UsageError(
      'name the two sides: --from P --to Q (two providers), or --env A --env B (two environments)',
    );
  if (options.from === options.to) throw new UsageError('--from and --to name the same provider');
  const shared = envs.length === 1 ? new Cli({ ...cli.options, env: envs[0]! }) : cli;
  const owned = shared !== cli;
  return [
    new Side(shared, { provider: options.from }, owned),
    // One Cli for both: disposed once, by the first side.
    new Side(shared, { provider: options.to }, false),
  ];
}
