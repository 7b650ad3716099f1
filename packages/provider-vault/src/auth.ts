import { readFile } from 'node:fs/promises';
import { AccessDeniedError, ConfigError } from '@hush/core';
import type NodeVault from 'node-vault';
import { toFailure, type VaultFailure } from './mapping.js';

export const DEFAULT_KUBERNETES_JWT_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** How the provider gets its Vault token. */
export type VaultAuthOptions =
  /** A token as is (default: `VAULT_TOKEN`). Renewed when renewable; cannot be replaced once it dies. */
  | { method: 'token'; token?: string }
  /** AppRole login (`auth/<mount>/login`); default mount `approle`. */
  | { method: 'approle'; roleId: string; secretId?: string; mount?: string }
  /**
   * Kubernetes login (`auth/<mount>/login`) with the pod's service-account JWT, read from `jwtFile`
   * (default the projected token path) at every login, or given as `jwt`; default mount `kubernetes`.
   */
  | { method: 'kubernetes'; role: string; jwt?: string; jwtFile?: string; mount?: string };

export interface AuthCounters {
  logins: number;
  renewals: number;
  renewalFailures: number;
}

interface Lease {
  /** Seconds the token lived when issued or last renewed; 0 = no expiry. */
  ttl: number;
  renewable: boolean;
  /** Epoch ms; undefined when the token never expires. */
  expiresAt?: number;
}

/**
 * Keeps the client's token alive: logs in (AppRole, Kubernetes) or adopts a static token,
 * renews it at `renewFraction` of its TTL (timer unref'd), and logs in again when renewal is
 * refused, the token expired, or its max TTL is near.
 */
export class VaultAuthenticator {
  readonly counters: AuthCounters = { logins: 0, renewals: 0, renewalFailures: 0 };
  #lease: Lease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;
  #login: Promise<void> | undefined;
  #disposed = false;

  constructor(
    private readonly client: NodeVault.client,
    /** A second client for logins, so that no (dead) token rides on a login request and the main client keeps its token meanwhile. */
    private readonly loginClient: NodeVault.client,
    private readonly auth: VaultAuthOptions,
    private readonly options: {
      renewFraction: number;
      /** Runs one Vault call with the provider's transient-failure retries. */
      retrying: <T>(call: () => Promise<T>) => Promise<T>;
      providerName: string;
    },
  ) {}

  /** True when a dead token can be replaced by logging in again. */
  get canLogin(): boolean {
    return this.auth.method !== 'token';
  }

  /** Resolves once a token is in place (first call logs in or looks the static token up). */
  ensure(): Promise<void> {
    if (this.#lease?.expiresAt !== undefined && this.#lease.expiresAt <= Date.now() && this.canLogin) {
      return this.relogin();
    }
    this.#ready ??= this.#start().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #start(): Promise<void> {
    if (this.auth.method !== 'token') return this.relogin();
    this.client.token = this.auth.token ?? '';
    // The token's TTL decides the renewal schedule; a token that may not look itself up is used as is.
    try {
      const answer = (await this.options.retrying(() => this.client.tokenLookupSelf())) as {
        data?: { ttl?: number; renewable?: boolean };
      };
      this.#adopt({ ttl: Number(answer.data?.ttl ?? 0), renewable: answer.data?.renewable === true });
    } catch (error) {
      const failure = toFailure(error);
      if (failure.transient) throw failure;
      this.#lease = { ttl: 0, renewable: false };
    }
  }

  /** Logs in again (one login at a time, shared by concurrent callers). */
  relogin(): Promise<void> {
    if (!this.canLogin) return Promise.resolve();
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  async #doLogin(): Promise<void> {
    // Vault may refuse a login that carries a dead token; node-vault omits the header when the token is empty.
    this.loginClient.token = '';
    let answer: { auth?: { client_token?: string; lease_duration?: number; renewable?: boolean } };
    try {
      if (this.auth.method === 'approle') {
        const { roleId, secretId, mount } = this.auth;
        answer = await this.options.retrying(() =>
          this.loginClient.approleLogin({
            role_id: roleId,
            ...(secretId !== undefined ? { secret_id: secretId } : {}),
            mount_point: mount ?? 'approle',
          }),
        );
      } else if (this.auth.method === 'kubernetes') {
        const { role, mount } = this.auth;
        const jwt = this.auth.jwt ?? (await this.#readJwt(this.auth.jwtFile ?? DEFAULT_KUBERNETES_JWT_FILE));
        answer = await this.options.retrying(() =>
          // node-vault 0.12 renders an empty mount into the path unless mount_point is given.
          this.loginClient.kubernetesLogin({ role, jwt, mount_point: mount ?? 'kubernetes' }),
        );
      } else return;
    } catch (error) {
      const failure = toFailure(error);
      if (failure.transient) throw failure;
      throw new AccessDeniedError(
        `vault provider '${this.options.providerName}': ${this.auth.method} login refused (${failure.message})`,
        { operation: 'login' },
      );
    }
    const token = answer.auth?.client_token;
    if (!token)
      throw new AccessDeniedError(
        `vault provider '${this.options.providerName}': ${this.auth.method} login returned no token`,
      );
    this.client.token = token;
    this.loginClient.token = '';
    this.counters.logins++;
    this.#ready = Promise.resolve();
    this.#adopt({
      ttl: Number(answer.auth?.lease_duration ?? 0),
      renewable: answer.auth?.renewable === true,
    });
  }

  async #readJwt(file: string): Promise<string> {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new ConfigError(
        `cannot read the Kubernetes service-account token: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        {
          file,
          hint: 'set auth.jwtFile, or run inside a pod with a mounted service-account token',
        },
      );
    }
  }

  /** Records a fresh lease and plans its renewal (or the next login when it cannot be renewed). */
  #adopt(lease: { ttl: number; renewable: boolean }): void {
    this.#lease = {
      ttl: lease.ttl,
      renewable: lease.renewable,
      ...(lease.ttl > 0 ? { expiresAt: Date.now() + lease.ttl * 1000 } : {}),
    };
    this.#schedule(
      lease.ttl,
      lease.renewable ? () => this.#renew() : this.canLogin ? () => this.#timedRelogin() : undefined,
    );
  }

  #schedule(ttlSeconds: number, action: (() => Promise<void>) | undefined): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#disposed || !action || ttlSeconds <= 0) return;
    const delay = Math.max(100, ttlSeconds * 1000 * this.options.renewFraction);
    this.#timer = setTimeout(() => void action(), delay);
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const previous = this.#lease;
    try {
      const answer = (await this.client.tokenRenewSelf()) as {
        auth?: { lease_duration?: number; renewable?: boolean };
      };
      this.counters.renewals++;
      const ttl = Number(answer.auth?.lease_duration ?? 0);
      // Near the token's max TTL a renewal no longer extends it: log in anew while the token still works.
      if (
        this.canLogin &&
        previous &&
        previous.ttl > 0 &&
        ttl < previous.ttl * (1 - this.options.renewFraction)
      ) {
        await this.#timedRelogin();
        return;
      }
      this.#lease = {
        ttl: previous?.ttl ?? ttl,
        renewable: answer.auth?.renewable !== false,
        expiresAt: Date.now() + ttl * 1000,
      };
      this.#schedule(
        ttl,
        this.#lease.renewable ? () => this.#renew() : this.canLogin ? () => this.#timedRelogin() : undefined,
      );
    } catch (error) {
      this.counters.renewalFailures++;
      const failure = toFailure(error);
      if (!failure.transient && this.canLogin) {
        await this.#timedRelogin();
        return;
      }
      // Vault unreachable: try again soon while the token may still be valid.
      const left = previous?.expiresAt ? (previous.expiresAt - Date.now()) / 1000 : 0;
      if (failure.transient && left > 1)
        this.#schedule(Math.min(left / 2, 30) / this.options.renewFraction, () => this.#renew());
    }
  }

  async #timedRelogin(): Promise<void> {
    try {
      await this.relogin();
    } catch {
      // The next call will try again through ensure().
      this.#lease = { ttl: 0, renewable: false, expiresAt: 0 };
    }
  }

  /**
   * After a 403 on a call made with `tokenUsed`: when that token is dead (expired, revoked) or was
   * replaced meanwhile, makes sure a fresh one is in place (one login shared by every caller) and
   * answers true, so the call is worth one more try. False when the token is fine and the policy said no.
   */
  async recover(failure: VaultFailure, tokenUsed: string): Promise<boolean> {
    if (failure.status !== 403 || !this.canLogin) return false;
    if (this.client.token !== tokenUsed) return true;
    const expired = this.#lease?.expiresAt !== undefined && this.#lease.expiresAt <= Date.now();
    if (!expired) {
      try {
        await this.client.tokenLookupSelf();
        if (this.client.token === tokenUsed) return false;
      } catch (error) {
        if (toFailure(error).status !== 403) return false;
      }
    }
    // No await between this check and joining or starting the login: a finished login is never repeated.
    if (this.client.token !== tokenUsed) return true;
    await this.relogin();
    return true;
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
