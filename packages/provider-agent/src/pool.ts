import { type AgentAddress, AgentConnection, type RawReply, RequestFailure } from './connection.js';

interface Waiter {
  resolve: (connection: AgentConnection) => void;
  reject: (failure: RequestFailure) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A few kept-alive connections to the agent: a request takes the one freed last (or opens one
 * while fewer than `max` are open, or waits for one), so that sequential reads reuse a single
 * connection. A closed connection leaves the pool; the next request opens another, so an agent
 * that restarted is reached again without anything to reset.
 */
export class ConnectionPool {
  readonly #idle: AgentConnection[] = [];
  readonly #open = new Set<AgentConnection>();
  readonly #waiting: Waiter[] = [];
  readonly #onIdle = (connection: AgentConnection) => this.#release(connection);
  readonly #onClose = (connection: AgentConnection) => this.#forget(connection);

  constructor(
    private readonly address: AgentAddress,
    private readonly timeoutMs: number,
    private readonly max = 16,
  ) {}

  /** Connections opened since the pool was made. */
  opened = 0;

  /** Connections open now (idle or busy). */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Sends one request and resolves with its response. A `retryable` request (a read) that finds
   * its reused connection closed under it (the agent restarted, or dropped it while idle) is sent
   * once more on a new connection. Rejects with a `RequestFailure`.
   */
  async request(
    bytes: string | Buffer,
    signal: AbortSignal | undefined,
    retryable: boolean,
  ): Promise<RawReply> {
    if (signal?.aborted) throw new RequestFailure('ABORT_ERR', false);
    const connection = this.#idle.pop() ?? this.#connect() ?? (await this.#wait(signal));
    try {
      return await connection.send(bytes, signal);
    } catch (error) {
      if (!retryable || !(error instanceof RequestFailure) || !error.retryable) throw error;
      const fresh = this.#connect() ?? (await this.#wait(signal));
      return fresh.send(bytes, signal);
    }
  }

  /** Closes every connection; requests in flight fail, later ones open new connections. */
  destroy(): void {
    for (const waiter of this.#waiting.splice(0))
      settle(waiter).reject(new RequestFailure('ECONNRESET', false));
    for (const connection of [...this.#open]) connection.destroy();
    this.#idle.length = 0;
  }

  #connect(): AgentConnection | undefined {
    if (this.#open.size >= this.max) return undefined;
    const connection = new AgentConnection(this.address, this.timeoutMs, this.#onIdle, this.#onClose);
    this.#open.add(connection);
    this.opened++;
    return connection;
  }

  #wait(signal: AbortSignal | undefined): Promise<AgentConnection> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#drop(waiter);
          reject(new RequestFailure('ABORT_ERR', false));
        },
        timer: setTimeout(() => {
          this.#drop(waiter);
          reject(new RequestFailure('TIMEOUT', false));
        }, this.timeoutMs),
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #drop(waiter: Waiter): void {
    const at = this.#waiting.indexOf(waiter);
    if (at >= 0) this.#waiting.splice(at, 1);
    settle(waiter);
  }

  #release(connection: AgentConnection): void {
    const waiter = this.#waiting.shift();
    if (waiter) settle(waiter).resolve(connection);
    else this.#idle.push(connection);
  }

  #forget(connection: AgentConnection): void {
    this.#open.delete(connection);
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    // A place came free: the first waiter gets a new connection.
    const fresh = this.#waiting.length > 0 ? this.#connect() : undefined;
    if (fresh) this.#release(fresh);
  }
}

/** Stops a waiter's timer and abort listener; returns it, to settle its promise. */
function settle(waiter: Waiter): Waiter {
  clearTimeout(waiter.timer);
  waiter.signal?.removeEventListener('abort', waiter.onAbort);
  return waiter;
}
