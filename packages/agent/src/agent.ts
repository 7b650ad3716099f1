import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfigError,
  type Duration,
  type GetSecretOptions,
  type ProviderConfig,
  parseDuration,
  type SecretManager,
} from '@hush/core';
import { defaultSocketPath, defaultTokenFile, TOKEN_HEADER } from '@hush/provider-agent';
import { BusyPoll } from './busy-poll.js';
import { autoBusyPollMs } from './cpu-quota.js';
import { PlainReadLane } from './plain-read-lane.js';
import { type AgentCounters, renderMetrics } from './prometheus.js';
import { unchangedProviders } from './reload.js';
import { type Answer, secretAnswer, send } from './replies.js';
import { plainRead } from './requests.js';
import { errorAnswer, fail, RouteError, route, routeName } from './routes.js';
import { lockDownSocket, prepareSocketPath } from './socket.js';
import { newToken, tokenMatches, writeTokenFile } from './token.js';

/** A manager the agent serves, with what a reload needs to know about it. */
export interface AgentManagerHandle {
  manager: SecretManager;
  /** The environment's providers as configured: a reload keeps the cache of those left unchanged. */
  providers?: ProviderConfig[];
  environment?: string;
  /** Who the agent acts as, for audit and access control (every request is this accessor). */
  accessor?: string;
  /** Releases the manager and what was built with it (an audit log...); default `manager.dispose()`. */
  dispose?(): Promise<void>;
}

export interface AgentOptions {
  /** Builds the manager: at start, and again on each reload (SIGHUP). */
  load: () => Promise<AgentManagerHandle>;
  /** The Unix socket (default `defaultSocketPath()`); `false` for none (then `listen` is needed). */
  socket?: string | false;
  /** `127.0.0.1:PORT` (or `[::1]:PORT`, `localhost:PORT`): a loopback TCP listener that requires the token. */
  listen?: string;
  /** Where the TCP listener's token is written, 0600 (default `agent.token` beside the socket). */
  tokenFile?: string;
  /** Proxy writes (set, delete, rotate, rollback) to the manager; off by default. */
  allowWrites?: boolean;
  /** Where the agent's own log lines go (never a value): default stderr. */
  log?: (line: string) => void;
  /** How long a stop waits for requests in flight (default 10s). */
  drainTimeout?: Duration;
  /**
   * How long to keep the event loop turning after each request, so that the next one of a burst
   * is read without waking the CPU; 0 turns it off. Lowers latency between CPUs at the cost of up
   * to one core while requests keep coming, and pauses for 10 ms whenever another task waits for
   * the CPU it polls on. Default `'auto'`: 1 ms with two CPUs or more and no CPU quota, else off.
   */
  busyPoll?: Duration | 'auto';
}

interface Served {
  handle: AgentManagerHandle;
  /** The options of every plain read (as the agent's accessor), built once. */
  read: GetSecretOptions & { required: true };
  /** Requests using this manager right now: an old manager is released when its last one ends. */
  active: number;
  retired: boolean;
}

/**
 * `hush agent`: one manager (one cache, one set of backend credentials) serving every process of
 * a host over a Unix socket created 0600 in a 0700 folder, and optionally over a loopback TCP
 * listener that requires a per-agent token on every request. Every request carrying
 * `X-Forwarded-For` is refused (nothing legitimate proxies to a local agent; an SSRF would).
 */
export class Agent {
  readonly socketPath?: string;
  readonly tokenFile?: string;
  /** How long it polls after each request (`busyPoll`, `'auto'` resolved); 0 when it does not. */
  readonly busyPollMs: number;
  #url?: string;
  readonly #options: AgentOptions;
  readonly #servers: Server[] = [];
  readonly #lanes: PlainReadLane[] = [];
  readonly #log: (line: string) => void;
  #token?: Buffer;
  #served!: Served;
  #stopping?: Promise<void>;
  readonly #counters: Omit<AgentCounters, 'busyPollSeconds' | 'busyPollBackoffs'> = {
    requests: new Map(),
    refused: new Map(),
    reloads: { ok: 0, failed: 0 },
    inflight: 0,
    startedAt: Date.now(),
  };
  readonly #idle = new Set<() => void>();
  readonly #busyPoll: BusyPoll;

  private constructor(options: AgentOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(`hush agent: ${line}\n`));
    const busyPoll = options.busyPoll ?? 'auto';
    this.busyPollMs = busyPoll === 'auto' ? autoBusyPollMs() : parseDuration(busyPoll);
    this.#busyPoll = new BusyPoll(this.busyPollMs);
    if (options.socket !== false) this.socketPath = options.socket ?? defaultSocketPath();
    if (options.listen !== undefined)
      this.tokenFile = options.tokenFile ?? defaultTokenFile(this.socketPath ?? defaultSocketPath());
    if (this.socketPath === undefined && options.listen === undefined)
      throw new ConfigError('the agent needs a socket or a listener', { path: '--socket' });
  }

  /** Builds the manager, then opens the socket and the listener. */
  static async start(options: AgentOptions): Promise<Agent> {
    const agent = new Agent(options);
    const listen = options.listen === undefined ? undefined : parseListen(options.listen);
    const handle = await options.load();
    agent.#served = served(handle);
    try {
      await agent.#initialize(handle);
      if (agent.socketPath) await agent.#listenSocket(agent.socketPath);
      if (listen) await agent.#listenTcp(listen.host, listen.port);
    } catch (error) {
      await agent.#close();
      await release(handle);
      throw error;
    }
    const where = [agent.socketPath && `unix:${agent.socketPath}`, agent.#url].filter(Boolean).join(' and ');
    agent.#log(
      `serving ${handle.environment ? `environment '${handle.environment}' ` : ''}on ${where}${options.allowWrites ? ' (writes allowed)' : ''}`,
    );
    return agent;
  }

  /** The TCP listener's address (`http://127.0.0.1:PORT`), when there is one. */
  get url(): string | undefined {
    return this.#url;
  }

  get manager(): SecretManager {
    return this.#served.handle.manager;
  }

  /**
   * Builds a new manager from the configuration and switches to it; requests in flight finish on
   * the old one. The cache of every provider left unchanged (and every one before it) is kept.
   * A configuration that fails to load leaves the running manager in place.
   */
  async reload(): Promise<{ kept: number; providers: string[] }> {
    let handle: AgentManagerHandle;
    try {
      handle = await this.#options.load();
      await this.#initialize(handle);
    } catch (error) {
      this.#counters.reloads.failed++;
      this.#log(`reload failed, still serving the previous configuration: ${describe(error)}`);
      throw error;
    }
    const previous = this.#served;
    const providers = unchangedProviders(previous.handle.providers, handle.providers);
    const kept = handle.manager.adoptCache(previous.handle.manager, providers);
    this.#served = served(handle);
    previous.retired = true;
    if (previous.active === 0) await release(previous.handle);
    this.#counters.reloads.ok++;
    this.#log(
      `reloaded: ${kept} cached entries kept (providers unchanged: ${providers.join(', ') || 'none'})`,
    );
    return { kept, providers };
  }

  /** Stops accepting, lets requests in flight finish (up to `drainTimeout`), then releases everything. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const drain = parseDuration(this.#options.drainTimeout ?? '10s');
      this.#busyPoll.stop();
      const closing = this.#close();
      if (this.#counters.inflight > 0)
        await Promise.race([
          new Promise<void>((resolve) => this.#idle.add(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, drain).unref()),
        ]);
      for (const server of this.#servers) server.closeAllConnections();
      for (const lane of this.#lanes) lane.closeAllConnections();
      await closing;
      await release(this.#served.handle);
      if (this.socketPath) await fs.rm(this.socketPath, { force: true });
      if (this.tokenFile) await fs.rm(this.tokenFile, { force: true });
      this.#log('stopped');
    })();
    return this.#stopping;
  }

  /**
   * Starts the providers. When none can start (a backend down), the agent serves anyway: reads
   * answer 503 and clients fall over to their own chain until a backend comes back.
   */
  async #initialize(handle: AgentManagerHandle): Promise<void> {
    try {
      await handle.manager.initialize();
    } catch (error) {
      if ((error as { code?: unknown })?.code !== 'PROVIDER_UNAVAILABLE') throw error;
      this.#log(`no provider could start yet; serving anyway: ${describe(error)}`);
    }
  }

  async #listenSocket(path: string): Promise<void> {
    await prepareSocketPath(path);
    const server = this.#server();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    await lockDownSocket(path);
  }

  async #listenTcp(host: string, port: number): Promise<void> {
    const token = newToken();
    this.#token = Buffer.from(token, 'utf8');
    await writeTokenFile(this.tokenFile!, token);
    const server = this.#server(true);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.#url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** A server for the socket or the listener: plain reads take the lane, the rest node:http. */
  #server(tcp = false): Server {
    const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
      this.#serve(req, res, tcp).catch(() => res.destroy());
    });
    this.#lanes.push(
      new PlainReadLane({
        server,
        read: (name, reply) => this.#plainRead(name, reply),
        ...(tcp ? { token: this.#token! } : {}),
        keepAliveMs: KEEP_ALIVE_MS,
      }),
    );
    this.#servers.push(server);
    return server;
  }

  /**
   * A plain read, `GET /v1/secret/NAME`, by either path: answered by `reply` while the request
   * still counts as in flight (a stop waits for it), then counted.
   */
  async #plainRead(name: string, reply: (answer: Answer) => void): Promise<void> {
    const served = this.#served;
    this.#begin(served);
    let answer: Answer;
    try {
      answer = secretAnswer(await served.handle.manager.getSecret(name, served.read));
    } catch (error) {
      answer = errorAnswer(error);
      if (answer.status >= 500 && answer.status !== 503)
        this.#log(`GET /v1/secret/${name} failed: ${describe(error)}`);
    }
    try {
      reply(answer);
    } finally {
      await this.#end(served);
    }
    this.#count(
      this.#counters.requests,
      answer.status === 200 ? PLAIN_READ_SERVED : `secret ${answer.status}`,
    );
  }

  #begin(served: Served): void {
    served.active++;
    this.#counters.inflight++;
  }

  async #end(served: Served): Promise<void> {
    served.active--;
    this.#counters.inflight--;
    if (served.retired && served.active === 0) await release(served.handle);
    if (this.#counters.inflight === 0 && this.#idle.size > 0) for (const idle of this.#idle) idle();
    this.#busyPoll.touch();
  }

  async #serve(req: IncomingMessage, res: ServerResponse, tcp: boolean): Promise<void> {
    const refusal = this.#refusal(req, tcp);
    if (refusal) {
      const path = pathOf(req);
      this.#count(this.#counters.refused, refusal.reason);
      this.#log(`refused ${req.method} ${path}: ${refusal.error.message}`);
      this.#count(this.#counters.requests, `${routeName(path)} ${fail(res, refusal.error)}`);
      return;
    }
    // A plain read the lane left to node:http (a header it does not vouch for): served the same.
    const plain = plainRead(req);
    if (plain !== undefined) {
      await this.#plainRead(plain, (answer) => send(res, answer));
      return;
    }
    const served = this.#served;
    this.#begin(served);
    let status: number;
    try {
      status = await this.#route(req, res, served);
    } catch (error) {
      if (error instanceof RouteError && error.code === 'WRITES_DISABLED')
        this.#count(this.#counters.refused, 'writes');
      status = fail(res, error);
      if (status >= 500 && status !== 503)
        this.#log(`${req.method} ${pathOf(req)} failed: ${describe(error)}`);
    } finally {
      await this.#end(served);
    }
    this.#count(this.#counters.requests, `${routeName(pathOf(req))} ${status}`);
  }

  #route(req: IncomingMessage, res: ServerResponse, served: Served): Promise<number> {
    return route(req, res, new URL(req.url ?? '/', 'http://agent'), {
      manager: served.handle.manager,
      ...(served.handle.accessor !== undefined ? { accessor: served.handle.accessor } : {}),
      allowWrites: this.#options.allowWrites ?? false,
      describe: () => this.#describe(),
      metrics: async () =>
        renderMetrics(await served.handle.manager.getMetrics(), {
          ...this.#counters,
          busyPollSeconds: this.#busyPoll.spentMs / 1000,
          busyPollBackoffs: this.#busyPoll.backoffs,
        }),
    });
  }

  /** Why a request is refused before any work, if it is. */
  #refusal(req: IncomingMessage, tcp: boolean): { reason: string; error: RouteError } | undefined {
    if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined)
      return {
        reason: 'forwarded',
        error: new RouteError(
          403,
          'FORWARDED_REFUSED',
          'requests carrying X-Forwarded-For are refused: the agent serves local processes only',
        ),
      };
    if (tcp && !tokenMatches(this.#token!, req.headers[TOKEN_HEADER]))
      return {
        reason: 'token',
        error: new RouteError(
          401,
          'TOKEN_REQUIRED',
          `a valid ${TOKEN_HEADER} header is required (the token is in the agent's token file)`,
        ),
      };
    return undefined;
  }

  #describe(): Record<string, unknown> {
    const handle = this.#served.handle;
    return {
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.#counters.startedAt) / 1000),
      ...(handle.environment ? { environment: handle.environment } : {}),
      writes: this.#options.allowWrites ?? false,
      busyPollMs: this.busyPollMs,
      providers: handle.manager.providerNames,
    };
  }

  #count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  async #close(): Promise<void> {
    const closed = this.#servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    for (const lane of this.#lanes) lane.closeIdleConnections();
    await Promise.all(closed);
  }
}

/** Starts an agent: see `Agent`. */
export function startAgent(options: AgentOptions): Promise<Agent> {
  return Agent.start(options);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** `HOST:PORT` with a loopback host only: the listener is for the processes of this host. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !host || !(port >= 0 && port <= 65_535))
    throw new ConfigError(`expected HOST:PORT such as 127.0.0.1:2773, got '${text}'`, { path: '--listen' });
  if (!LOOPBACK.test(host))
    throw new ConfigError(`the listener binds loopback only (127.0.0.1, ::1, localhost), not '${host}'`, {
      path: '--listen',
      hint: 'other hosts reach secrets through their own agent',
    });
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

function served(handle: AgentManagerHandle): Served {
  const read =
    handle.accessor === undefined
      ? { required: true as const }
      : { required: true as const, accessor: handle.accessor };
  return { handle, read, active: 0, retired: false };
}

/** How long an idle kept-alive connection stays open. */
const KEEP_ALIVE_MS = 30_000;

/** The counter key of a plain read answered 200, the most frequent request by far. */
const PLAIN_READ_SERVED = 'secret 200';

/** A request's path (its query left out), for logs and metrics. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

async function release(handle: AgentManagerHandle): Promise<void> {
  await (handle.dispose ? handle.dispose() : handle.manager.dispose()).catch(() => undefined);
}

/** An error for the agent's log: its code and (already masked) message, never a value. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return `${typeof code === 'string' ? `${code}: ` : ''}${message.split('\n')[0]}`;
}
