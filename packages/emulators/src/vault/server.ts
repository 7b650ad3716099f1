import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { FaultInjector, type FaultOptions } from '../faults.js';
import { close, listen } from '../listen.js';
import { type Capability, parseDurationSeconds, parsePolicy } from './auth.js';
import { faultAnswer } from './faults.js';
import {
  applyAppRoleSettings,
  applyKubernetesRoleSettings,
  classify,
  type RouterSettings,
  type VaultRequest,
  type VaultResponse,
  VaultRouter,
} from './routes.js';
import { VaultState } from './state.js';

/** A duration as Vault takes it: seconds, or text such as `'1h'`, `'90s'`. */
export type VaultDuration = number | string;

export interface VaultAppRoleConfig {
  /** Fixed role_id; a random UUID otherwise. */
  roleId?: string;
  /** secret_ids accepted at login; none given means one random secret_id is created. */
  secretIds?: string[];
  /** When false, login needs only the role_id. Default true. */
  bindSecretId?: boolean;
  policies: string[];
  tokenTtl?: VaultDuration;
  tokenMaxTtl?: VaultDuration;
  /** Logins each secret_id allows (0 = unlimited). */
  secretIdNumUses?: number;
}

export interface VaultKubernetesRoleConfig {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  policies: string[];
  tokenTtl?: VaultDuration;
  tokenMaxTtl?: VaultDuration;
}

export interface VaultServiceAccount {
  /** The service-account JWT a pod would present (any opaque string works). */
  jwt: string;
  name: string;
  namespace: string;
}

export interface VaultEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep state in this JSON file: loaded at start, rewritten after every change. */
  snapshotFile?: string;
  /** The root token (policy `root`, never expires). Random `hvs.` token by default. */
  rootToken?: string;
  /** KV v2 mount path(s). Default `secret`. */
  kvMount?: string | string[];
  /** Require `options.cas` on every write to the KV mounts (the mount's `cas_required`). */
  casRequired?: boolean;
  /** The mounts' `max_versions` (Vault's default: 10). */
  maxVersions?: number;
  /** ACL policies by name: HCL text, or `{ "<path glob>": ["read", "list"] }`. */
  policies?: Record<string, string | Record<string, Capability[]>>;
  /** AppRole roles by name, at `auth/<approleMount>/`. */
  approle?: Record<string, VaultAppRoleConfig>;
  /** Default `approle`. */
  approleMount?: string;
  kubernetes?: {
    roles?: Record<string, VaultKubernetesRoleConfig>;
    /** The JWTs the emulated TokenReview accepts, and whom they identify. */
    serviceAccounts?: VaultServiceAccount[];
  };
  /** Default `kubernetes`. */
  kubernetesMount?: string;
  /** TTL of tokens issued by logins and token/create when none is asked. Default 768h, as Vault's. */
  defaultTokenTtl?: VaultDuration;
  /** Ceiling for renewals. Default 768h. */
  maxTokenTtl?: VaultDuration;
  /** Initial faults; change them later through `handle.faults`. */
  faults?: FaultOptions;
  /** Random source for fault rates (pass a seeded one for a reproducible sequence). Default Math.random. */
  random?: () => number;
}

export interface VaultTokenInit {
  policies: string[];
  ttl?: VaultDuration;
  maxTtl?: VaultDuration;
  renewable?: boolean;
  id?: string;
}

export interface VaultEmulator {
  /** `http://127.0.0.1:<port>` — the `VAULT_ADDR`. */
  url: string;
  port: number;
  rootToken: string;
  /** KV v2 mounts served. */
  kvMounts: string[];
  faults: FaultInjector;
  /** Requests received per kind of path (`kv.data.read`, `auth.approle.login`, ...), faulted ones included. */
  readonly counters: Record<string, number>;
  resetCounters(): void;
  /** Issues a token directly (no request); returns its id. */
  createToken(init: VaultTokenInit): string;
  /** Makes a token expire now, as if its TTL had run out. */
  expireToken(token: string): void;
  revokeToken(token: string): void;
  /** role_id and a fresh secret_id of an AppRole role. */
  appRoleCredentials(role: string): { roleId: string; secretId: string };
  /** Registers a service-account JWT the Kubernetes login will accept; returns it. */
  addServiceAccount(account: { name: string; namespace: string; jwt?: string }): string;
  /** Moves the emulator's clock forward (token and secret_id expiry). */
  advanceClock(ms: number): void;
  stop(): Promise<void>;
}

function seconds(value: VaultDuration | undefined, fallback: number): number {
  return parseDurationSeconds(value) ?? fallback;
}

/** A service-account-shaped JWT (unsigned: the emulator only compares the string). */
function fakeServiceAccountJwt(name: string, namespace: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    encode({ alg: 'RS256', kid: 'hush-emulator' }),
    encode({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/service-account.name': name,
      sub: `system:serviceaccount:${namespace}:${name}`,
      jti: randomUUID(),
    }),
    randomBytes(32).toString('base64url'),
  ].join('.');
}

const LIST_TRUE = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Starts a local server speaking HashiCorp Vault's HTTP API (token, AppRole, Kubernetes auth; KV v2). */
export async function startVaultEmulator(options: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
  const state = new VaultState(options.snapshotFile);
  const settings: RouterSettings = {
    kvMounts: Array.isArray(options.kvMount) ? options.kvMount : [options.kvMount ?? 'secret'],
    approleMount: options.approleMount ?? 'approle',
    kubernetesMount: options.kubernetesMount ?? 'kubernetes',
    defaultTokenTtl: seconds(options.defaultTokenTtl, 768 * 3600),
    maxTokenTtl: seconds(options.maxTokenTtl, 768 * 3600),
  };
  const router = new VaultRouter(state, settings);
  const faults = new FaultInjector(options.faults, options.random);
  const counters: Record<string, number> = {};

  // Configuration from options is applied over whatever the snapshot held.
  const rootToken =
    options.rootToken ??
    state.data.tokens[
      Object.keys(state.data.tokens).find((id) => state.data.tokens[id]!.path === 'root') ?? ''
    ]?.id ??
    undefined;
  const root = state.issueToken({
    id: rootToken,
    policies: ['root'],
    ttl: 0,
    renewable: false,
    displayName: 'root',
    path: 'root',
  });
  for (const mount of settings.kvMounts) {
    const kv = state.mount('', mount);
    if (options.casRequired !== undefined) kv.config.casRequired = options.casRequired;
    if (options.maxVersions !== undefined) kv.config.maxVersions = options.maxVersions;
  }
  for (const [name, policy] of Object.entries(options.policies ?? {})) {
    if (typeof policy === 'string') state.data.policies[name] = { raw: policy, rules: parsePolicy(policy) };
    else {
      const rules = Object.entries(policy).map(([path, capabilities]) => ({
        path,
        capabilities: [...capabilities],
      }));
      const raw = rules
        .map((r) => `path "${r.path}" {\n  capabilities = ${JSON.stringify(r.capabilities)}\n}`)
        .join('\n\n');
      state.data.policies[name] = { raw, rules };
    }
  }
  for (const [name, config] of Object.entries(options.approle ?? {})) {
    const role = applyAppRoleSettings(state.data.approle[name], {
      token_policies: config.policies,
      token_ttl: config.tokenTtl,
      token_max_ttl: config.tokenMaxTtl,
      bind_secret_id: config.bindSecretId,
      secret_id_num_uses: config.secretIdNumUses,
      ...(config.roleId ? { role_id: config.roleId } : {}),
    });
    const secretIds = config.secretIds ?? (Object.keys(role.secretIds).length ? [] : [randomUUID()]);
    for (const secretId of secretIds) {
      const uses = config.secretIdNumUses ?? 0;
      role.secretIds[secretId] = {
        accessor: randomUUID(),
        createdAt: state.now(),
        ttl: 0,
        numUses: uses,
        usesLeft: uses,
      };
    }
    state.data.approle[name] = role;
  }
  for (const [name, config] of Object.entries(options.kubernetes?.roles ?? {})) {
    state.data.kubernetes.roles[name] = applyKubernetesRoleSettings(state.data.kubernetes.roles[name], {
      bound_service_account_names: config.boundServiceAccountNames,
      bound_service_account_namespaces: config.boundServiceAccountNamespaces,
      token_policies: config.policies,
      token_ttl: config.tokenTtl,
      token_max_ttl: config.tokenMaxTtl,
    });
  }
  for (const account of options.kubernetes?.serviceAccounts ?? []) {
    state.data.kubernetes.serviceAccounts[account.jwt] = {
      name: account.name,
      namespace: account.namespace,
      uid: randomUUID(),
    };
  }
  state.dirty = true;
  state.save();

  const server = createServer((req, res) => {
    void serveHttp(req, res);
  });
  server.keepAliveTimeout = 5_000;
  // Node's HTTP parser refuses the LIST verb before any handler runs; the refused bytes still
  // reach 'clientError', where a LIST (which has no body) is answered by hand.
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    const list = error.code === 'HPE_INVALID_METHOD' ? parseListRequest(error.rawPacket) : undefined;
    if (!list) {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
      return;
    }
    void serve({ method: 'LIST', url: list.url, headers: list.headers, body: Buffer.alloc(0) }).then(
      (answer) => {
        if (answer === 'outage') socket.destroy();
        else writeRaw(socket, answer);
      },
    );
  });

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      send(res, { status: 413, body: { errors: ['request body too large'] } });
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const answer = await serve({ method, url: req.url ?? '/', headers: req.headers, body: raw });
    if (answer === 'outage') req.socket.destroy();
    else send(res, answer, method === 'HEAD');
  }

  /** One request, whatever carried it: the answer, or 'outage' to drop the connection. */
  async function serve(incoming: RawRequest): Promise<VaultResponse | 'outage'> {
    const { method, headers } = incoming;
    const url = new URL(incoming.url, 'http://vault.local');
    if (!url.pathname.startsWith('/v1/')) return { status: 404, body: { errors: [] } };
    const namespace = String(headers['x-vault-namespace'] ?? '').replace(/^\/+|\/+$/g, '');
    const path = decodeURIComponent(url.pathname.slice('/v1/'.length));
    const listing =
      method === 'LIST' || (method === 'GET' && LIST_TRUE.has(url.searchParams.get('list') ?? ''));
    const operation: VaultRequest['operation'] = listing
      ? 'list'
      : method === 'GET' || method === 'HEAD'
        ? 'read'
        : method === 'POST' || method === 'PUT'
          ? 'write'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? 'delete'
              : 'read';
    const kind = classify(path, operation, settings);
    counters[kind] = (counters[kind] ?? 0) + 1;

    const fault = await faults.decide();
    if (fault === 'outage') return 'outage';
    if (fault) return faultAnswer(fault, path);

    let body: Record<string, unknown> = {};
    if (incoming.body.length > 0) {
      try {
        const parsed = JSON.parse(incoming.body.toString('utf8')) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          body = parsed as Record<string, unknown>;
      } catch {
        return { status: 400, body: { errors: ['failed to parse JSON input: invalid character'] } };
      }
    }
    const headerToken = headers['x-vault-token'];
    const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
    const request: VaultRequest = {
      operation,
      path,
      query: url.searchParams,
      body,
      token: (Array.isArray(headerToken) ? headerToken[0] : headerToken) || bearer,
      namespace,
      contentType: String(headers['content-type'] ?? ''),
    };
    let response: VaultResponse;
    try {
      response = router.handle(request);
    } catch (error) {
      response = {
        status: 500,
        body: { errors: [`1 error occurred:\n\t* ${(error as Error).message}\n\n`] },
      };
    }
    try {
      state.save();
    } catch (error) {
      response = { status: 500, body: { errors: [`failed to persist: ${(error as Error).message}`] } };
    }
    return response;
  }

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    rootToken: root.id,
    kvMounts: settings.kvMounts,
    faults,
    counters,
    resetCounters() {
      for (const key of Object.keys(counters)) delete counters[key];
    },
    createToken(init) {
      const ttl = seconds(init.ttl, settings.defaultTokenTtl);
      const token = state.issueToken({
        id: init.id,
        policies: init.policies.includes('root') ? init.policies : [...init.policies, 'default'],
        ttl,
        maxTtl: seconds(init.maxTtl, settings.maxTokenTtl),
        renewable: init.renewable ?? true,
        displayName: 'token',
        path: 'auth/token/create',
      });
      state.save();
      return token.id;
    },
    expireToken(token) {
      const found = state.data.tokens[token];
      if (found) found.expireTime = state.now() - 1;
      state.dirty = true;
      state.save();
    },
    revokeToken(token) {
      delete state.data.tokens[token];
      state.dirty = true;
      state.save();
    },
    appRoleCredentials(roleName) {
      const role = state.data.approle[roleName];
      if (!role) throw new Error(`no AppRole role '${roleName}'`);
      const secretId = randomUUID();
      const uses = role.secretIdNumUses;
      role.secretIds[secretId] = {
        accessor: randomUUID(),
        createdAt: state.now(),
        ttl: role.secretIdTtl,
        numUses: uses,
        usesLeft: uses,
      };
      state.dirty = true;
      state.save();
      return { roleId: role.roleId, secretId };
    },
    addServiceAccount(account) {
      const jwt = account.jwt ?? fakeServiceAccountJwt(account.name, account.namespace);
      state.data.kubernetes.serviceAccounts[jwt] = {
        name: account.name,
        namespace: account.namespace,
        uid: randomUUID(),
      };
      state.dirty = true;
      state.save();
      return jwt;
    },
    advanceClock(ms) {
      state.clockOffsetMs += ms;
    },
    async stop() {
      await close(server);
      state.save();
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: VaultResponse, headOnly = false): void {
  if (res.destroyed) return;
  res.setHeader('Cache-Control', 'no-store');
  if (response.status === 204 || response.body === undefined) {
    res.writeHead(response.status);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(headOnly ? undefined : text);
}

interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Reads `LIST <url> HTTP/1.x` and its headers from the bytes the HTTP parser refused. */
export function parseListRequest(
  raw: Buffer | undefined,
): { url: string; headers: IncomingHttpHeaders } | undefined {
  if (!raw) return undefined;
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine, ...lines] = text.slice(0, end).split('\r\n');
  const match = /^LIST (\S+) HTTP\/1\.[01]$/.exec(requestLine ?? '');
  if (!match) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { url: match[1]!, headers };
}

/** Writes an answer straight to the socket and closes it (the parser cannot go on after a LIST). */
function writeRaw(socket: Duplex, response: VaultResponse): void {
  if (!socket.writable) return;
  const text = response.status === 204 || response.body === undefined ? '' : JSON.stringify(response.body);
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    'Cache-Control: no-store',
    ...(text ? ['Content-Type: application/json'] : []),
    `Content-Length: ${Buffer.byteLength(text)}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}
