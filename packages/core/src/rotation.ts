import { parseDuration } from './duration.js';
import { HushError, VersionConflictError } from './errors.js';
import { parseGeneratorSpec } from './generators.js';
import { matchesGlob } from './glob.js';
import type { Notice, NoticeHandler } from './notice.js';
import type { SecretProvider } from './provider.js';
import type { SchemaRule } from './rotation-config.js';
import type { SecretInfo } from './secret.js';
import type { Duration, GeneratorSpec, ListSecretsOptions, RotateSecretOptions } from './types.js';

const DEFAULT_NOTIFY_BEFORE = '7d';
const DEFAULT_GENERATOR = 'random:32';
/** The code of a due secret that its provider or generator cannot rotate. */
const NOT_ROTATABLE = 'NOT_ROTATABLE';

/** What a rotator needs of a manager. */
export interface RotationTarget {
  listSecrets(options?: ListSecretsOptions): Promise<SecretInfo[]>;
  rotateSecret(key: string, options?: RotateSecretOptions): Promise<SecretInfo>;
  getProvider(name: string): SecretProvider | undefined;
}

export interface SecretRotatorOptions {
  /** Policies by name or glob (the configuration's `schema:`); a secret's `rotation` tag wins. */
  schema?: Record<string, SchemaRule>;
  /** Period of every secret of a writable provider that has no policy of its own. */
  defaultPeriod?: Duration;
  /** How long before an expiry or a due rotation `secret.expiring` is sent (default 7d). */
  notifyBefore?: Duration;
  /** The generator for every rotation, over the tag's and the schema's. */
  generator?: GeneratorSpec;
  /** Keep each replaced version readable this long (`getSecret(name, { previous: true })`). */
  keepPrevious?: Duration;
  expireOldVersion?: boolean;
  /** Report what is due without rotating. */
  dryRun?: boolean;
  provider?: string;
  scope?: string;
  /** Recorded as the actor of each rotation (and the accessor of the listing). */
  actor?: string;
  /** The environment named in notices. */
  environment?: string;
  /** Told every notice: rotated, expiring, expired, rotation failed. */
  onNotice?: NoticeHandler;
  /** Epoch milliseconds (default `Date.now`); for tests. */
  now?: () => number;
}

export type RotationStatus = 'rotated' | 'due' | 'skipped' | 'conflict' | 'failed';

/** What a check did with one secret that has a rotation policy. */
export interface RotationResult {
  key: string;
  provider: string;
  /** The policy's period as written (`30d`). */
  period: string;
  dueAt: Date;
  /**
   * `rotated`; `due` (a dry run); `skipped` (its provider or generator cannot write: never
   * attempted); `conflict` (another rotator rotated it first); `failed` (the rotation threw).
   */
  status: RotationStatus;
  previousVersion: string;
  version?: string;
  /** Why it was skipped or failed (never a value). */
  reason?: string;
  /** The error code of a failure; `NOT_ROTATABLE` for a skip. */
  code?: string;
}

/** A secret whose expiry or rotation comes within `notifyBefore`, or whose expiry has passed. */
export interface ExpiryResult {
  key: string;
  provider: string;
  reason: 'expiry' | 'rotation';
  at: Date;
}

export interface RotationReport {
  checkedAt: Date;
  /** Every secret that was due, with what happened to it. */
  results: RotationResult[];
  expiring: ExpiryResult[];
  expired: ExpiryResult[];
}

export interface WatchOptions {
  /** Time between checks (default 1h). */
  interval?: Duration;
  /** Stops the loop (after the check in progress). */
  signal?: AbortSignal;
  onReport?: (report: RotationReport) => void | Promise<void>;
  /** A check that threw (the listing failed); the loop goes on. */
  onError?: (error: unknown) => void;
  /** Waits between checks (default a timer that the signal cuts short); for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Policy {
  period: string;
  periodMs: number;
  generator: GeneratorSpec;
}

/**
 * Rotates what is due, on demand (`check`) or on a schedule (`watch`). A secret's policy is its
 * `rotation` tag, else the first `schema` entry matching its name (an exact name before globs),
 * else `defaultPeriod` for a provider that can write. A secret is due once its period has passed
 * since its last update. Two rotators never both rotate one secret: each rotation is a
 * compare-and-set on the version the check saw (`expectedVersion`), so the loser gets a version
 * conflict and reports `conflict`. Each notice is sent once per secret version per rotator.
 */
export class SecretRotator {
  readonly #now: () => number;
  readonly #notifyBeforeMs: number;
  readonly #defaultPeriod?: { text: string; ms: number };
  readonly #sent = new Set<string>();

  constructor(
    private readonly manager: RotationTarget,
    private readonly options: SecretRotatorOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#notifyBeforeMs = parseDuration(options.notifyBefore ?? DEFAULT_NOTIFY_BEFORE);
    if (options.defaultPeriod !== undefined)
      this.#defaultPeriod = {
        text: String(options.defaultPeriod),
        ms: parseDuration(options.defaultPeriod),
      };
    if (options.generator !== undefined) parseGeneratorSpec(options.generator);
  }

  /** One pass: lists the secrets, rotates those due, reports (and notifies) what expires. */
  async check(): Promise<RotationReport> {
    const now = this.#now();
    const { provider, scope, actor } = this.options;
    const secrets = await this.manager.listSecrets({
      includeExpired: true,
      ...(provider !== undefined ? { provider } : {}),
      ...(scope !== undefined ? { scope } : {}),
      ...(actor !== undefined ? { accessor: actor } : {}),
    });
    const report: RotationReport = { checkedAt: new Date(now), results: [], expiring: [], expired: [] };
    for (const info of secrets) {
      const policy = this.#policyOf(info);
      if (typeof policy === 'string') {
        report.results.push(this.#skipped(info, info.tags.rotation ?? '', new Date(now), policy));
        continue;
      }
      const dueAt = policy ? new Date(info.updatedAt.getTime() + policy.periodMs) : undefined;
      if (policy && dueAt && dueAt.getTime() <= now) {
        const result = await this.#rotate(info, policy, dueAt);
        report.results.push(result);
        if (result.status === 'rotated' || result.status === 'conflict') continue;
      }
      await this.#expiry(info, dueAt, now, report);
    }
    for (const result of report.results) await this.#noticeOf(result);
    return report;
  }

  /** Checks now and then every `interval` until the signal aborts. */
  async watch(options: WatchOptions = {}): Promise<void> {
    const intervalMs = parseDuration(options.interval ?? '1h');
    const sleep = options.sleep ?? wait;
    while (!options.signal?.aborted) {
      try {
        const report = await this.check();
        await options.onReport?.(report);
      } catch (error) {
        options.onError?.(error);
      }
      if (options.signal?.aborted) break;
      await sleep(intervalMs, options.signal);
    }
  }

  #policyOf(info: SecretInfo): Policy | string | undefined {
    const tag = info.tags.rotation;
    const rule = this.#ruleOf(info.key);
    let period: { text: string; ms: number } | undefined;
    if (tag) {
      try {
        period = { text: tag, ms: parseDuration(tag) };
      } catch {
        return `its rotation tag '${tag}' is not a duration (e.g. 30d)`;
      }
    } else if (rule?.rotation !== undefined)
      period = { text: String(rule.rotation), ms: parseDuration(rule.rotation) };
    else if (this.#defaultPeriod && this.manager.getProvider(info.provider)?.capabilities.write)
      period = this.#defaultPeriod;
    if (!period) return undefined;
    const generator =
      this.options.generator ?? info.tags['rotation-generator'] ?? rule?.generator ?? DEFAULT_GENERATOR;
    return { period: period.text, periodMs: period.ms, generator };
  }

  #ruleOf(name: string): SchemaRule | undefined {
    const schema = this.options.schema;
    if (!schema) return undefined;
    if (Object.hasOwn(schema, name)) return schema[name];
    for (const [pattern, rule] of Object.entries(schema)) if (matchesGlob(name, pattern)) return rule;
    return undefined;
  }

  async #rotate(info: SecretInfo, policy: Policy, dueAt: Date): Promise<RotationResult> {
    const base = {
      key: info.key,
      provider: info.provider,
      period: policy.period,
      dueAt,
      previousVersion: info.version,
    };
    const provider = this.manager.getProvider(info.provider);
    if (!provider?.capabilities.write)
      return {
        ...base,
        status: 'skipped',
        code: NOT_ROTATABLE,
        reason: `provider '${info.provider}' is read-only`,
      };
    try {
      parseGeneratorSpec(policy.generator);
    } catch (error) {
      return { ...base, status: 'skipped', code: NOT_ROTATABLE, reason: (error as Error).message };
    }
    if (this.options.dryRun) return { ...base, status: 'due' };
    const { keepPrevious, expireOldVersion, scope, actor } = this.options;
    try {
      const rotated = await this.manager.rotateSecret(info.key, {
        generator: policy.generator,
        provider: info.provider,
        expectedVersion: info.version,
        ...(keepPrevious !== undefined ? { keepPrevious } : {}),
        ...(expireOldVersion ? { expireOldVersion } : {}),
        ...(scope !== undefined ? { scope } : {}),
        ...(actor !== undefined ? { actor } : {}),
      });
      return { ...base, status: 'rotated', version: rotated.version };
    } catch (error) {
      if (error instanceof VersionConflictError)
        return { ...base, status: 'conflict', reason: 'another rotator rotated it first' };
      const code = error instanceof HushError ? error.code : 'ERROR';
      return { ...base, status: 'failed', code, reason: (error as Error).message };
    }
  }

  #skipped(info: SecretInfo, period: string, dueAt: Date, reason: string): RotationResult {
    return {
      key: info.key,
      provider: info.provider,
      period,
      dueAt,
      status: 'skipped',
      previousVersion: info.version,
      code: NOT_ROTATABLE,
      reason,
    };
  }

  async #expiry(info: SecretInfo, dueAt: Date | undefined, now: number, report: RotationReport) {
    const base = { key: info.key, provider: info.provider };
    const expiresAt = info.expiresAt?.getTime();
    if (expiresAt !== undefined && expiresAt <= now) {
      report.expired.push({ ...base, reason: 'expiry', at: info.expiresAt! });
      await this.#send(`expired:${info.key}:${info.version}`, {
        ...this.#about(info),
        event: 'secret.expired',
        expiresAt: info.expiresAt!.toISOString(),
      });
      return;
    }
    const soon = (at: number | undefined) => at !== undefined && at > now && at - now <= this.#notifyBeforeMs;
    const coming: ExpiryResult | undefined = soon(expiresAt)
      ? { ...base, reason: 'expiry', at: info.expiresAt! }
      : soon(dueAt?.getTime())
        ? { ...base, reason: 'rotation', at: dueAt! }
        : undefined;
    if (!coming) return;
    report.expiring.push(coming);
    await this.#send(`expiring:${info.key}:${info.version}:${coming.reason}`, {
      ...this.#about(info),
      event: 'secret.expiring',
      reason: coming.reason,
      ...(coming.reason === 'expiry'
        ? { expiresAt: coming.at.toISOString() }
        : { dueAt: coming.at.toISOString() }),
    });
  }

  async #noticeOf(result: RotationResult): Promise<void> {
    const about = {
      at: new Date(this.#now()).toISOString(),
      ...(this.options.environment ? { environment: this.options.environment } : {}),
      secret: result.key,
      provider: result.provider,
      previousVersion: result.previousVersion,
    };
    if (result.status === 'rotated') {
      const keep = this.options.keepPrevious;
      await this.#send(`rotated:${result.key}:${result.version}`, {
        ...about,
        event: 'secret.rotated',
        version: result.version!,
        ...(keep !== undefined
          ? { previousUntil: new Date(this.#now() + parseDuration(keep)).toISOString() }
          : {}),
      });
    } else if (result.status === 'skipped' || result.status === 'failed') {
      await this.#send(`failed:${result.key}:${result.previousVersion}:${result.code}`, {
        ...about,
        event: 'secret.rotation_failed',
        code: result.code ?? 'ERROR',
        message: result.reason ?? '',
        dueAt: result.dueAt.toISOString(),
      });
    }
  }

  #about(info: SecretInfo): Omit<Notice, 'event'> {
    return {
      at: new Date(this.#now()).toISOString(),
      ...(this.options.environment ? { environment: this.options.environment } : {}),
      secret: info.key,
      provider: info.provider,
      version: info.version,
    };
  }

  /** Sends a notice once per id; a handler that throws is not this check's failure. */
  async #send(id: string, notice: Notice): Promise<void> {
    if (!this.options.onNotice || this.#sent.has(id)) return;
    this.#sent.add(id);
    try {
      await this.options.onNotice(notice);
    } catch {
      // Delivery has its own retries and reports; a check goes on regardless.
    }
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
