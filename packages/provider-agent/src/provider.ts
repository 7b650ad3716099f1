import { readFileSync } from 'node:fs';
import type {
  ProviderCallOptions,
  ProviderCapabilities,
  ProviderDeleteOptions,
  ProviderGetOptions,
  ProviderHealth,
  ProviderListOptions,
  ProviderSetOptions,
  Secret,
  SecretInfo,
  SecretProvider,
  SecretVersion,
} from '@hush/core';
import {
  ConfigError,
  optionNames,
  ProviderError,
  ProviderUnavailableError,
  refuseUnknownOptions,
} from '@hush/core';
import type { RawReply } from './connection.js';
import { toHushError, toInfo, toSecret, type WireError } from './mapping.js';
import { defaultSocketPath, defaultTokenFile, isPlainName, pathName, TOKEN_HEADER } from './paths.js';
import { PlainReads } from './plain-reads.js';
import { ConnectionPool } from './pool.js';

export interface AgentProviderOptions {
  /** Instance name (default `agent`). */
  name?: string;
  /** The agent's Unix socket (default `HUSH_AGENT_SOCKET`, else where `hush agent` puts it). */
  socket?: string;
  /** The agent's loopback listener instead of the socket: `http://127.0.0.1:2773` (or `HUSH_AGENT_URL`). */
  url?: string;
  /** The listener's token; default read from `tokenFile`. */
  token?: string;
  /** The file `hush agent --listen` wrote its token to (default `HUSH_AGENT_TOKEN_FILE`, else beside the socket). */
  tokenFile?: string;
  /** Send writes to the agent (it must run with `--allow-writes`). Default false: the provider is read-only. */
  writes?: boolean;
  /**
   * How long this process keeps what the agent served (default 0: every read asks the agent,
   * which is the host's cache; a write through the agent is then seen at once by every process).
   */
  cacheTtlSeconds?: number;
  /** Longest a request to the agent may take before the read falls over (default 5s). */
  timeoutMs?: number;
}

/** Every option the constructor takes: another is refused, never ignored. */
const OPTION_NAMES = optionNames<AgentProviderOptions>()({
  name: true,
  socket: true,
  url: true,
  token: true,
  tokenFile: true,
  writes: true,
  cacheTtlSeconds: true,
  timeoutMs: true,
});

interface Reply {
  status: number;
  body: any;
}

/**
 * The client of `hush agent`: put it first in the chain. When the agent is not running (no
 * socket, refused connection, timeout), reads fail over to the providers after it.
 */
export class AgentProvider implements SecretProvider {
  readonly name: string;
  readonly kind = 'agent';
  readonly capabilities: ProviderCapabilities;
  readonly cacheTtlSeconds: number;
  readonly #socket?: string;
  readonly #host?: { hostname: string; port: number };
  readonly #tokenFile?: string;
  #token?: string;
  readonly #timeoutMs: number;
  readonly #pool: ConnectionPool;
  readonly #hostHeader: string;
  readonly #counts = { requests: 0, unreachable: 0 };
  readonly #plainReads = new PlainReads(() => this.#headers());

  constructor(options: AgentProviderOptions = {}, env: Record<string, string | undefined> = process.env) {
    refuseUnknownOptions(options, OPTION_NAMES, 'agent provider', 'config');
    this.name = options.name ?? 'agent';
    const writes = options.writes ?? false;
    this.capabilities = {
      write: writes,
      delete: writes,
      list: true,
      versions: true,
      tags: writes,
      expiry: writes,
      batchGet: true,
    };
    this.cacheTtlSeconds = options.cacheTtlSeconds ?? 0;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    const url = options.url ?? (options.socket === undefined ? env.HUSH_AGENT_URL : undefined);
    if (url !== undefined) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new ConfigError('expected the agent listener as http://127.0.0.1:PORT', {
          path: 'options.url',
        });
      }
      if (parsed.protocol !== 'http:')
        throw new ConfigError('expected the agent listener as http://127.0.0.1:PORT', {
          path: 'options.url',
        });
      this.#host = { hostname: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 80) };
      this.#token = options.token ?? env.HUSH_AGENT_TOKEN;
      this.#tokenFile = options.tokenFile ?? defaultTokenFile(options.socket ?? defaultSocketPath(env), env);
    } else this.#socket = options.socket ?? defaultSocketPath(env);
    const address = this.#socket
      ? { socketPath: this.#socket }
      : { host: this.#host!.hostname, port: this.#host!.port };
    this.#pool = new ConnectionPool(address, this.#timeoutMs);
    this.#hostHeader = this.#socket ? 'localhost' : hostHeader(this.#host!.hostname, this.#host!.port);
  }

  /**
   * Nothing to start: each request connects to the agent, and an agent that is not running is a
   * failover at read time (the providers after this one answer), never a failure to start.
   * Resolves at once, sends no request, and may be called any number of times.
   */
  async initialize(): Promise<void> {}

  /**
   * A plain read (no version, a name sent as it is) goes out as bytes built once for its name, and
   * an answer that is the same bytes as the last one for it is the secret read then (see
   * plain-reads.ts): the agent is asked every time, and only what changed is parsed.
   */
  async get(key: string, options: ProviderGetOptions = {}): Promise<Secret | null> {
    if (options.version === undefined && this.#plainReads.accepts(key)) {
      const raw = await this.#exchange(() => this.#plainReads.request(key), options.abortSignal, true);
      if (raw.status === 200) return this.#plainReads.secret(key, raw.body, this.#parseSecret);
      return this.#secretOrNull(parsed(raw));
    }
    const query = options.version === undefined ? '' : `?version=${encodeURIComponent(options.version)}`;
    return this.#secretOrNull(await this.#request('GET', `/v1/secret/${pathName(key)}${query}`, options));
  }

  #secretOrNull(reply: Reply): Secret | null {
    if (reply.status === 404 && reply.body?.error?.code === 'SECRET_NOT_FOUND') return null;
    this.#check(reply);
    return this.#toSecret(reply.body);
  }

  readonly #parseSecret = (body: Buffer): Secret => this.#toSecret(parseBody(body));

  #toSecret(body: { secret?: Parameters<typeof toSecret>[0] } | undefined): Secret {
    if (body?.secret === undefined)
      throw new ProviderError(this.name, 'the agent answered 200 without a secret');
    return toSecret(body.secret, this.name);
  }

  async getMany(keys: string[], options: ProviderCallOptions = {}): Promise<Map<string, Secret | null>> {
    const out = new Map<string, Secret | null>();
    // Names hold no comma; batches stay well inside a URL's length.
    for (let i = 0; i < keys.length; i += 100) {
      const batch = keys.slice(i, i + 100);
      const reply = await this.#request('GET', `/v1/secrets?names=${batch.map(pathName).join(',')}`, options);
      this.#check(reply);
      for (const key of batch) {
        const wire = reply.body.secrets?.[key];
        out.set(key, wire ? toSecret(wire, this.name) : null);
      }
    }
    return out;
  }

  async list(options: ProviderListOptions = {}): Promise<SecretInfo[]> {
    const query = options.prefix ? `?prefix=${encodeURIComponent(options.prefix)}` : '';
    const reply = await this.#request('GET', `/v1/list${query}`, options);
    this.#check(reply);
    return (reply.body.secrets as unknown[]).map((info) => toInfo(info, this.name));
  }

  async listVersions(key: string, options: ProviderCallOptions = {}): Promise<SecretVersion[]> {
    const reply = await this.#request('GET', `/v1/versions/${pathName(key)}`, options);
    if (reply.status === 404) return [];
    this.#check(reply);
    return (reply.body.versions as Array<SecretVersion & { createdAt: string; expiresAt?: string }>).map(
      (v) => ({
        ...v,
        createdAt: new Date(v.createdAt),
        ...(v.expiresAt ? { expiresAt: new Date(v.expiresAt) } : {}),
      }),
    );
  }

  async set(key: string, value: string, options: ProviderSetOptions = {}): Promise<SecretInfo> {
    const { abortSignal, ...rest } = options;
    const reply = await this.#request(
      'PUT',
      `/v1/secret/${pathName(key)}`,
      { abortSignal },
      { value, ...rest },
    );
    this.#check(reply);
    return toInfo(reply.body.info, this.name);
  }

  async delete(key: string, options: ProviderDeleteOptions = {}): Promise<boolean> {
    const reply = await this.#request(
      'DELETE',
      `/v1/secret/${pathName(key)}${options.permanent ? '?permanent=true' : ''}`,
      options,
    );
    if (reply.status === 404) return false;
    this.#check(reply);
    return true;
  }

  async rollback(key: string, version: string, options: ProviderCallOptions = {}): Promise<SecretInfo> {
    const reply = await this.#request('POST', `/v1/rollback/${pathName(key)}`, options, { version });
    this.#check(reply);
    return toInfo(reply.body.info, this.name);
  }

  async health(options: ProviderCallOptions = {}): Promise<ProviderHealth> {
    const reply = await this.#request('GET', '/v1/health', options);
    if (reply.status !== 200 && reply.status !== 503) this.#check(reply);
    const status =
      reply.body?.status === 'healthy'
        ? 'healthy'
        : reply.body?.status === 'degraded'
          ? 'degraded'
          : 'unhealthy';
    return { status, message: `agent pid ${reply.body?.agent?.pid ?? '?'}: ${status}` };
  }

  /** Requests sent, requests that found no agent, and connections opened (kept alive between requests). */
  metrics(): Record<string, number> {
    return { ...this.#counts, connections: this.#pool.opened };
  }

  async dispose(): Promise<void> {
    this.#pool.destroy();
    this.#plainReads.reset();
  }

  #check(reply: Reply): void {
    if (reply.status >= 200 && reply.status < 300) return;
    throw toHushError(this.name, reply.status, reply.body?.error as WireError | undefined);
  }

  async #request(method: string, path: string, options: ProviderCallOptions, body?: unknown): Promise<Reply> {
    const build = () => this.#build(method, path, body);
    return parsed(await this.#exchange(build, options.abortSignal, method === 'GET'));
  }

  /** Sends a request (`build` makes its bytes); once more with a new token when the agent has one. */
  async #exchange(
    build: () => string | Buffer,
    abortSignal: AbortSignal | undefined,
    retryable: boolean,
  ): Promise<RawReply> {
    this.#counts.requests++;
    try {
      const first = await this.#pool.request(build(), abortSignal, retryable);
      // The agent restarted with a new token: read the file again, once.
      if (first.status === 401 && this.#tokenFile && this.#reloadToken())
        return await this.#pool.request(build(), abortSignal, retryable);
      return first;
    } catch (error) {
      throw this.#unreachable(error);
    }
  }

  /** The lines every request carries: the host, what it accepts, and on TCP the token. */
  #headers(): string {
    let headers = `host: ${this.#hostHeader}\r\naccept: application/json\r\n`;
    if (this.#host) {
      this.#token ??= this.#readToken();
      // A token that a header cannot carry as it is (a line break...) is not sent: the agent refuses.
      if (this.#token && HEADER_VALUE.test(this.#token)) headers += `${TOKEN_HEADER}: ${this.#token}\r\n`;
    }
    return headers;
  }

  #build(method: string, path: string, body: unknown): string {
    let request = `${method} ${path} HTTP/1.1\r\n${this.#headers()}`;
    // The agent answers plain reads on a lane of its own, for as long as a connection carries
    // nothing else; any other request ends its connection, so the next read opens a fresh one.
    if (method !== 'GET' || !isPlainReadPath(path)) request += 'connection: close\r\n';
    if (body === undefined) return `${request}\r\n`;
    const payload = JSON.stringify(body);
    return `${request}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  }

  #unreachable(cause: unknown): ProviderUnavailableError {
    this.#counts.unreachable++;
    const code = (cause as { code?: string })?.code ?? 'ERROR';
    return new ProviderUnavailableError(`the hush agent is not reachable (${code})`, [
      { provider: this.name, code, message: `the hush agent at ${this.#where} is not reachable (${code})` },
    ]);
  }

  get #where(): string {
    return this.#socket ? `unix:${this.#socket}` : `http://${this.#host!.hostname}:${this.#host!.port}`;
  }

  #readToken(): string | undefined {
    if (!this.#tokenFile) return undefined;
    try {
      return readFileSync(this.#tokenFile, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  #reloadToken(): boolean {
    const token = this.#readToken();
    if (!token || token === this.#token) return false;
    this.#token = token;
    this.#plainReads.reset();
    return true;
  }
}

const SECRET_PATH = '/v1/secret/';

/** `/v1/secret/NAME` with no query and nothing escaped: what the agent's lane serves. */
const isPlainReadPath = (path: string): boolean =>
  path.startsWith(SECRET_PATH) && isPlainName(path.slice(SECRET_PATH.length));

/** What a header value may hold here: visible ASCII, no space (the agent's tokens are base64url). */
const HEADER_VALUE = /^[\x21-\x7e]+$/;

/** A reply with its body read as JSON. */
const parsed = (raw: RawReply): Reply => ({ status: raw.status, body: parseBody(raw.body) });

/** A body as JSON; a body that is not JSON is no body (the status alone then says what happened). */
function parseBody(bytes: Buffer): any {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function hostHeader(hostname: string, port: number): string {
  return `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}
